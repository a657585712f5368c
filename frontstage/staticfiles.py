"""Fingerprinted static files with long cache headers.

`collectstatic` copies every static file to `STATIC_ROOT` under a name carrying a hash of its
content (`js/blueprint/api.3f2a….js`), rewrites the references between them — CSS `url()`,
and the ES modules' `import … from "./api.js"`, so a module's hashed copy imports the other
modules' hashed copies — writes gzip and Brotli copies of each, and records the names in
`staticfiles.json`. `{% static %}` answers the hashed name; WhiteNoise serves hashed names as
immutable for a year: a new release changes the names, so browsers never ask again.

Without a manifest (DEBUG, the test suite, a checkout where `collectstatic` has not run) the
plain names are used and served from the source folders (WhiteNoise's finders), revalidated
after `STATIC_MAX_AGE`: nothing breaks, pages are only not cached for long.
"""

import logging
from typing import Any

from django.core.files.storage import FileSystemStorage
from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)

YEAR = 365 * 24 * 60 * 60


class FingerprintedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.warned = False

    def url(self, name: str, force: bool = False) -> str:
        # `force` is collectstatic's own rewriting, which must hash; everyone else gets the
        # plain name while there is no manifest (rather than "Missing manifest entry").
        if force or self.hashed_files:
            return super().url(name, force)
        if not self.warned:
            self.warned = True
            logger.info("No %s in STATIC_ROOT: static files without fingerprints "
                        "(run `manage.py collectstatic`)", self.manifest_name)  # fmt: skip
        return FileSystemStorage.url(self, name)


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, with a year (not ten) for the fingerprinted names: the longest lifetime
    caches are asked to honour (RFC 9111 advises no more), and `immutable` spares the
    revalidation on reload."""

    FOREVER = YEAR
