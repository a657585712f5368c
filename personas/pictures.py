"""Persona pictures are decoded and written again by Pillow, never stored as uploaded.

A file is a picture only if Pillow decodes all of it as PNG, JPEG, WebP or GIF within the size
and pixel limits; what is stored is Pillow's own re-encoding (PNG, JPEG or WebP, nothing else
of the upload: no metadata, no trailing bytes, no HTML that happens to start like a GIF), under
a name the server chooses whose extension says what was written.
"""

import io
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from frontstage import errors

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 4096 * 4096
ACCEPTED = {"PNG", "JPEG", "WEBP", "GIF"}
WRITTEN_AS = {"JPEG": ("JPEG", "jpg"), "WEBP": ("WEBP", "webp")}  # anything else: PNG
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}

NOT_A_PICTURE = _("Choose a PNG, JPEG, WebP or GIF picture.")
TOO_LARGE = _("The picture is too large: at most 5 MB and 4096 × 4096 pixels.")


def reencoded(upload: Any) -> ContentFile:
    """The upload as a freshly encoded picture, or errors.Invalid."""
    if getattr(upload, "size", 0) > MAX_BYTES:
        raise errors.Invalid({"picture": [TOO_LARGE]})
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise errors.Invalid({"picture": [TOO_LARGE]})
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ACCEPTED:
                raise errors.Invalid({"picture": [NOT_A_PICTURE]})
            if image.width * image.height > MAX_PIXELS:
                raise errors.Invalid({"picture": [TOO_LARGE]})
            image.load()  # decodes every pixel: a truncated or forged file fails here
            fmt, extension = WRITTEN_AS.get(image.format, ("PNG", "png"))
            if fmt == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            elif fmt == "PNG" and image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                image = image.convert("RGBA")
            out = io.BytesIO()
            image.save(out, format=fmt)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise errors.Invalid({"picture": [NOT_A_PICTURE]}) from error
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{extension}")


def content_type(name: str) -> str | None:
    """What a stored picture is, by the extension the server gave it; None for anything else
    (a file stored before pictures were re-encoded)."""
    return CONTENT_TYPES.get(name.rsplit(".", 1)[-1].lower()) if "." in name else None
