"""Workflows of the personas app: the taxonomy (seed, merge) and contact imports (run, stats).

Errors for people are constants, so tests can assert on them; they are raised as the domain's
errors (frontstage/errors.py): `Invalid` with messages by field, `Conflict` for a request that
does not fit the object's current state, `StaleVersion` for a stale `version`.
"""

import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, ProtectedError, QuerySet, RestrictedError
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from blueprints import services as blueprint_services
from blueprints.models import Channel
from frontstage import errors
from frontstage.spreadsheets import safe_cell
from personas import demo_data, pictures, tabular
from personas.models import (
    DRAFT_FIELDS,
    TEXT_MAX,
    ChannelEntry,
    Contact,
    ContactImport,
    ContactReason,
    ImportRowError,
    ImportStatus,
    Persona,
    ReasonSource,
    Segment,
    Segmentation,
    ServiceProtocol,
    ValueMapping,
)
from workspaces import stamps
from workspaces.models import Workspace

if TYPE_CHECKING:  # scikit-learn takes seconds to import: only where it is used
    from personas import segmentation

logger = logging.getLogger(__name__)

BATCH_SIZE = 20000

MERGE_INTO_ITSELF = _("Choose another node to merge into.")
MERGE_INTO_OWN_CHILD = _("A category cannot merge into one of its own subcategories.")
MERGE_CATEGORY_INTO_SUBCATEGORY = _("A category merges into another category.")
IN_USE = _("Contacts use this node: merge it into another node instead of deleting it.")
ALREADY_RUNNING = _("This import is running.")
ALREADY_DONE = _("This import is done; upload the file again to import it once more.")
NOT_WHILE_RUNNING = _("This import is running; wait until it is done or failed.")
MAPPING_MISSING = _("Map a column to {fields} before starting.")
# What a rejected row says. Stored as written here with its values, and translated when a
# person reads it (an import runs in a worker, in no one's language).
EMPTY_CUSTOMER = gettext_noop("The customer id ({column}) is empty.")
LONG_CUSTOMER = gettext_noop("The customer id ({column}) is longer than 100 characters.")
EMPTY_DATE = gettext_noop("The contact date ({column}) is empty.")
BAD_DATE = gettext_noop("“{value}” ({column}) is not a date: use day/month/year or year-month-day.")
EMPTY_REASON = gettext_noop("The contact reason ({column}) is empty.")
SUBCATEGORY_ALONE = gettext_noop(
    "The subcategory “{value}” has no category, and no category has it."
)
ROW_SHORT = gettext_noop(
    "This row has {found} values where the header has {expected}: "
    "a value or a delimiter is missing."
)
ROW_LONG = gettext_noop(
    "This row has {found} values where the header has {expected}: "
    "a value probably holds the delimiter without quotes."
)
ROW_UNREADABLE = gettext_noop("This row could not be read: {error}.")
HEADER_ONLY = gettext_noop("The file has only its header line: there are no contacts in it.")
IMPORT_CRASHED = gettext_noop(
    "The import stopped ({error}); nothing of it was kept. Start it again."
)
ERRORS_SHOWN = 50  # rejected rows a page lists; the CSV has them all


def row_error_text(message: str, params: dict[str, Any]) -> str:
    """A stored row problem in the reader's language."""
    try:
        return gettext(message).format(**params)
    except (KeyError, IndexError, ValueError):
        return message


def key_of(name: str) -> str:
    return " ".join(name.split()).casefold()


# --- taxonomy ------------------------------------------------------------------------------

NAME_MAX = 120
NAME_MISSING = _("Give the node a name.")
NAME_TAKEN = _("There is already a node with this name here.")
REASON_NOT_IN_WORKSPACE = _("Must belong to the same workspace.")
NOT_A_CATEGORY = _("A subcategory's parent must be a category (a node without a parent).")
HAS_CHILDREN = _("This category has subcategories; it cannot become a subcategory.")
OWN_PARENT = _("A node cannot be its own parent.")


def contact_reason_check(
    *,
    workspace: Workspace,
    parent: ContactReason | None,
    name: str,
    reason: ContactReason | None = None,
) -> str:
    """The node's name, tidied, if it may be called so under `parent`; the page and the API
    ask here alike. Names are compared as people read them: case and spaces aside."""
    name = " ".join(str(name).split())
    if not name:
        raise errors.Invalid({"name": [NAME_MISSING]})
    if len(name) > NAME_MAX:
        raise errors.Invalid({"name": [_("At most 120 characters.")]})
    if parent is not None:
        if parent.workspace_id != workspace.pk:
            raise errors.Invalid({"parent": [REASON_NOT_IN_WORKSPACE]})
        if reason is not None and parent.pk == reason.pk:
            raise errors.Invalid({"parent": [OWN_PARENT]})
        if parent.parent_id is not None:
            raise errors.Invalid({"parent": [NOT_A_CATEGORY]})
        if reason is not None and reason.children.exists():
            raise errors.Invalid({"parent": [HAS_CHILDREN]})
    siblings = ContactReason.objects.filter(workspace=workspace, parent=parent)
    if reason is not None:
        siblings = siblings.exclude(pk=reason.pk)
    key = key_of(name)
    if any(key_of(other) == key for other in siblings.values_list("name", flat=True)):
        raise errors.Invalid({"name": [NAME_TAKEN]})
    return name


@transaction.atomic
def contact_reason_create(
    *,
    workspace: Workspace,
    name: str,
    parent: ContactReason | None = None,
    source: str = ReasonSource.MANUAL,
    reviewed: bool = True,
) -> ContactReason:
    """A node someone names by hand (reviewed: a person chose it); imports add theirs as they
    read them."""
    name = contact_reason_check(workspace=workspace, parent=parent, name=name)
    return ContactReason.objects.create(
        workspace=workspace, parent=parent, name=name, source=source, reviewed=reviewed
    )


@transaction.atomic
def contact_reason_update(*, reason: ContactReason, changes: dict[str, Any]) -> ContactReason:
    """Rename, re-parent or mark a node reviewed."""
    parent = changes.get("parent", reason.parent)
    name = changes.get("name", reason.name)
    changes = dict(changes)
    if "name" in changes or "parent" in changes:
        changes["name"] = contact_reason_check(
            workspace=reason.workspace, parent=parent, name=name, reason=reason
        )
    for field, value in changes.items():
        setattr(reason, field, value)
    reason.save(update_fields=list(changes))
    return reason


def taxonomy_seed(*, workspace: Workspace) -> int:
    """Add the demo taxonomy's missing nodes; idempotent. Nodes the facilitator merged away
    (their names are aliases now) stay away. Returns how many nodes were added."""
    added = 0
    nodes = list(ContactReason.objects.filter(workspace=workspace))
    taken = {(node.parent_id, key_of(node.name)) for node in nodes}
    aliases = {key_of(alias) for node in nodes for alias in node.aliases}
    by_key = {key_of(node.name): node for node in nodes if node.parent_id is None}
    for category_name, subcategories in demo_data.TAXONOMY.items():
        category = by_key.get(key_of(category_name))
        if category is None:
            if key_of(category_name) in aliases:
                continue
            category = ContactReason.objects.create(
                workspace=workspace, name=category_name, source=ReasonSource.SEED
            )
            added += 1
        for name in subcategories:
            if (category.pk, key_of(name)) in taken or key_of(name) in aliases:
                continue
            ContactReason.objects.create(
                workspace=workspace, parent=category, name=name, source=ReasonSource.SEED
            )
            added += 1
    return added


def demo_contacts_seed(*, workspace: Workspace, customers: int = demo_data.DEMO_CUSTOMERS) -> int:
    contacts, _planted = demo_data.demo_contacts(customers)
    taxonomy, channels = Taxonomy(workspace.pk), Channels(workspace.pk)
    as_date = connection.ops.adapt_datefield_value
    rows = []
    for contact in contacts:
        category_id, subcategory_id = taxonomy.resolve_cells(contact.category, contact.subcategory)
        rows.append(
            (
                workspace.pk,
                None,
                contact.customer_id,
                as_date(contact.contact_date),
                category_id,
                subcategory_id,
                channels.resolve(contact.channel),
                contact.channel,
                contact.gender,
                contact.age,
                None,
                contact.residence,
                contact.birthplace,
                "",
                "",
                "",
            )
        )
    insert_contacts(rows)
    return len(rows)


def demo_personas_refine(*, workspace: Workspace) -> None:
    """Give the drafted demo personas the names, quotes and protocols of the story."""
    from personas import evidence

    reasons = {
        key_of(node.name): node
        for node in ContactReason.objects.filter(workspace=workspace, parent=None)
    }
    channels = channel_ids_by_name(workspace.pk)
    for persona in Persona.objects.filter(workspace=workspace).select_related("segment"):
        over = persona.evidence.get("over_indexing", {}).get("category", [])
        spec = demo_data.DEMO_PROFILES.get(over[0]["label"]) if over else None
        if spec is None:
            continue
        changes = {name: spec[name] for name in ("quote", "desires", "frustrations")}
        changes["name"] = demo_data.demo_name(spec, evidence.top_label(persona.evidence, "gender"))
        persona_update(persona=persona, changes=changes)
        protocol = spec["protocol"]
        reason = reasons.get(key_of(protocol["reason"]))
        if reason is not None:
            ServiceProtocol.objects.get_or_create(
                workspace=workspace,
                persona=persona,
                contact_reason=reason,
                defaults={
                    "tone": protocol["tone"],
                    "preferred_channel_id": channels.get(protocol["preferred_channel"]),
                    "target_response_minutes": protocol["target_response_minutes"],
                    "script": protocol["script"],
                },
            )


@transaction.atomic
def contact_reason_merge(*, source: ContactReason, into: ContactReason) -> ContactReason:
    """Move `source`'s contacts (and subcategories) to `into`, then delete `source`.

    A category merges into a category: its subcategories move along (merging into a
    namesake there). A subcategory merges into a subcategory (its contacts change category
    with it) or into a category (its contacts keep only the category).
    """
    if source.pk == into.pk:
        raise errors.Invalid({"into": [MERGE_INTO_ITSELF]})
    if into.parent_id == source.pk:
        raise errors.Invalid({"into": [MERGE_INTO_OWN_CHILD]})
    if source.parent_id is None and into.parent_id is not None:
        raise errors.Invalid({"into": [MERGE_CATEGORY_INTO_SUBCATEGORY]})
    contacts = Contact.objects.filter(workspace_id=source.workspace_id)
    protocols_move(source=source, into=into)
    if source.parent_id is None:
        contacts.filter(category=source).update(category=into)
        namesakes = {key_of(child.name): child for child in into.children.all()}
        for child in source.children.all():
            twin = namesakes.get(key_of(child.name))
            if twin is None:
                child.parent = into
                child.save(update_fields=["parent"])
            else:
                contact_reason_merge(source=child, into=twin)
    elif into.parent_id is None:
        contacts.filter(subcategory=source).update(category=into, subcategory=None)
    else:
        contacts.filter(subcategory=source).update(category_id=into.parent_id, subcategory=into)
    known = {key_of(name) for name in [into.name, *into.aliases]}
    for name in [source.name, *source.aliases]:
        if key_of(name) not in known:
            into.aliases.append(name)
            known.add(key_of(name))
    into.save(update_fields=["aliases"])
    source.delete()
    return into


def protocols_move(*, source: ContactReason, into: ContactReason) -> None:
    """A merged node's service protocols go to the node it merges into, unless the persona
    has one there already (that one stays)."""
    taken = ServiceProtocol.objects.filter(contact_reason=into).values_list("persona_id")
    ServiceProtocol.objects.filter(contact_reason=source).exclude(persona_id__in=taken).update(
        contact_reason=into
    )


def contact_reason_delete(*, reason: ContactReason) -> None:
    try:
        with transaction.atomic():
            reason.delete()
    except (ProtectedError, RestrictedError) as error:
        raise errors.Conflict(IN_USE) from error


class Taxonomy:
    """The workspace's nodes by name (and alias), adding unknown raw values as unreviewed."""

    def __init__(self, workspace_id: int) -> None:
        self.workspace_id = workspace_id
        self.categories: dict[str, int] = {}
        self.subcategories: dict[tuple[int, str], int] = {}
        self.parents_by_sub: dict[str, set[tuple[int, int]]] = {}
        self.created: list[int] = []
        self.seen: dict[tuple[Any, Any], tuple[int | None, int | None]] = {}
        rows = ContactReason.objects.filter(workspace_id=workspace_id).order_by("id")
        for pk, parent, name, aliases in rows.values_list("pk", "parent_id", "name", "aliases"):
            for key in [key_of(name), *(key_of(a) for a in aliases)]:
                if parent is None:
                    self.categories.setdefault(key, pk)
                else:
                    self.subcategories.setdefault((parent, key), pk)
                    self.parents_by_sub.setdefault(key, set()).add((parent, pk))

    def resolve_cells(self, category: Any, subcategory: Any) -> tuple[int | None, int | None]:
        """`resolve` for raw cells, remembered: a file repeats a few dozen pairs."""
        pair = (category, subcategory)
        if pair not in self.seen:
            self.seen[pair] = self.resolve(
                tabular.clean_name(category), tabular.clean_name(subcategory)
            )
        return self.seen[pair]

    def resolve(self, category: str, subcategory: str) -> tuple[int | None, int | None]:
        """Ids of (category, subcategory) for raw names; raises RowProblem if impossible."""
        category_id = None
        if category:
            key = key_of(category)
            category_id = self.categories.get(key)
            if category_id is None:
                category_id = self.categories[key] = self._add(category, None)
        if not subcategory:
            return category_id, None
        key = key_of(subcategory)
        if category_id is None:
            homes = self.parents_by_sub.get(key, set())
            if len(homes) != 1:
                raise RowProblem(SUBCATEGORY_ALONE, value=subcategory)
            return next(iter(homes))
        subcategory_id = self.subcategories.get((category_id, key))
        if subcategory_id is None:
            subcategory_id = self._add(subcategory, category_id)
            self.subcategories[(category_id, key)] = subcategory_id
            self.parents_by_sub.setdefault(key, set()).add((category_id, subcategory_id))
        return category_id, subcategory_id

    def _add(self, name: str, parent_id: int | None) -> int:
        try:
            with transaction.atomic():
                node = ContactReason.objects.create(
                    workspace_id=self.workspace_id,
                    parent_id=parent_id,
                    name=name,
                    reviewed=False,
                    source=ReasonSource.IMPORT,
                )
        except IntegrityError:
            # Someone added it meanwhile (or the database folds case differently): use theirs.
            siblings = ContactReason.objects.filter(
                workspace_id=self.workspace_id, parent_id=parent_id, name__iexact=name
            )
            return siblings.values_list("pk", flat=True).get()
        self.created.append(node.pk)
        return node.pk

    def remove_created(self) -> None:
        """Drop the nodes this run added, where nothing else uses them by now."""
        for pk in reversed(self.created):  # subcategories before their categories
            try:
                with transaction.atomic():
                    ContactReason.objects.filter(pk=pk, children__isnull=True).delete()
            except (ProtectedError, RestrictedError):
                pass


# --- channels ------------------------------------------------------------------------------

# Words that say what kind of channel a new one is (its icon, its group in the book); they
# never decide which channel a value files under: "Chat" is not "WhatsApp".
CHANNEL_WORDS = {
    "phone": ["phone", "telephone", "call", "hotline", "llamada", "telefono", "telefonata",
              "telefone", "ligacao", "tel", "call center", "call centre"],
    "email": ["email", "e-mail", "mail", "correo", "correo electronico", "posta elettronica"],
    "web_form": ["web form", "webform", "web", "formulario", "formulario web", "form",
                 "modulo web", "website", "sitio web", "sito web", "contact form"],
    "chat": ["chat", "live chat", "whatsapp", "messenger", "telegram"],
    "social": ["social", "social media", "facebook", "instagram", "twitter", "x", "tiktok",
               "linkedin", "redes sociales", "rrss", "social network"],
    "store": ["store", "shop", "tienda", "negozio", "loja", "punto de venta"],
}  # fmt: skip
_CHANNEL_KIND = {
    tabular.normalized(word): kind for kind, words in CHANNEL_WORDS.items() for word in words
}
CHANNEL_LANGUAGES = ("es", "it", "pt-br")


def channel_key(text: str) -> str:
    """A channel name as compared: case, accents, spaces and punctuation aside, so "E-mail",
    "Email" and "e mail" are one name (and "Chat" is still not "WhatsApp")."""
    return tabular.normalized(text).replace(" ", "")


def channel_keys(name: str) -> set[str]:
    """The keys a channel's name files values under: itself and its translations in the
    app's languages."""
    keys = {channel_key(name)}
    for language in CHANNEL_LANGUAGES:
        with translation.override(language):
            keys.add(channel_key(gettext(name)))
    return keys - {""}


def channel_kind_of(name: str) -> str:
    key = tabular.normalized(name)
    return _CHANNEL_KIND.get(key) or next(
        (kind for word, kind in _CHANNEL_KIND.items() if len(word) > 3 and word in key.split()),
        "other",
    )


class Channels:
    """Raw channel text → a workspace channel whose name or alias it is (in any of the
    app's languages, case and accents aside). Any other value becomes a channel of its own,
    unreviewed, for a person to rename, merge or keep (the channels page)."""

    def __init__(self, workspace_id: int) -> None:
        self.workspace_id = workspace_id
        self.by_key: dict[str, int] = {}
        self.seen: dict[str, int | None] = {}
        self.created: list[int] = []
        rows = Channel.objects.filter(workspace_id=workspace_id).order_by("id")
        entries = dict(
            ChannelEntry.objects.filter(channel__workspace_id=workspace_id).values_list(
                "channel_id", "aliases"
            )
        )
        for pk, name in rows.values_list("pk", "name"):
            for key in channel_keys(name):
                self.by_key.setdefault(key, pk)
        for pk, aliases in entries.items():
            for alias in aliases:
                self.by_key.setdefault(channel_key(alias), pk)

    def find(self, raw: str) -> int | None:
        """The channel `raw` files under, if any: never makes one."""
        return self.by_key.get(channel_key(raw))

    def resolve(self, raw: str) -> int | None:
        if raw not in self.seen:
            key = channel_key(raw)
            if not key:
                self.seen[raw] = None
            else:
                if key not in self.by_key:
                    self.by_key[key] = self._add(raw)
                self.seen[raw] = self.by_key[key]
        return self.seen[raw]

    def _add(self, name: str) -> int:
        name = name[:NAME_MAX]
        try:
            with transaction.atomic():
                channel = Channel.objects.create(
                    workspace_id=self.workspace_id, name=name, kind=channel_kind_of(name)
                )
                ChannelEntry.objects.create(
                    channel=channel, reviewed=False, source=ReasonSource.IMPORT
                )
        except IntegrityError:
            return (
                Channel.objects.filter(workspace_id=self.workspace_id, name=name)
                .values_list("pk", flat=True)
                .get()
            )
        self.created.append(channel.pk)
        return channel.pk

    def remove_created(self) -> None:
        Channel.objects.filter(pk__in=self.created).delete()


CHANNEL_NAME_TAKEN = _("There is already a channel with this name.")
CHANNEL_NAME_MISSING = _("Give the channel a name.")
CHANNEL_MERGE_ITSELF = _("Choose another channel to merge into.")


def channel_entry(channel: Channel) -> ChannelEntry:
    entry, _created = ChannelEntry.objects.get_or_create(channel=channel)
    return entry


@transaction.atomic
def channel_rename(*, channel: Channel, name: str, actor: Any = None) -> Channel:
    """A new name for a channel (reviewed by whoever chose it); the old name stays an alias,
    so files that still say it file here."""
    name = " ".join(str(name).split())
    if not name:
        raise errors.Invalid({"name": [CHANNEL_NAME_MISSING]})
    if len(name) > NAME_MAX:
        raise errors.Invalid({"name": [_("At most 120 characters.")]})
    others = Channel.objects.filter(workspace_id=channel.workspace_id).exclude(pk=channel.pk)
    taken = {channel_key(other) for other in others.values_list("name", flat=True)}
    if channel_key(name) in taken:
        raise errors.Invalid({"name": [CHANNEL_NAME_TAKEN]})
    entry = channel_entry(channel)
    if key_of(channel.name) != key_of(name):
        entry.aliases = alias_union(entry.aliases, [channel.name], keep=name)
    entry.reviewed = True
    entry.save(update_fields=["aliases", "reviewed"])
    before = {"id": channel.pk, "name": channel.name}
    channel.name = name
    channel.save(update_fields=["name"])
    if before["name"] != name:
        blueprint_services.names_announce(
            kind="channel.renamed",
            obj=channel,
            before=before,
            after={"id": channel.pk, "name": name},
            blueprint_ids=blueprint_services.channel_step_blueprints(channel),
            actor=actor,
        )
    return channel


@transaction.atomic
def channel_create(*, workspace: Workspace, name: str, actor: Any = None) -> Channel:
    """A channel a facilitator adds by hand (reviewed: a person chose its name)."""
    name = " ".join(str(name).split())
    if not name:
        raise errors.Invalid({"name": [CHANNEL_NAME_MISSING]})
    if len(name) > NAME_MAX:
        raise errors.Invalid({"name": [_("At most 120 characters.")]})
    if Channels(workspace.pk).find(name) is not None:
        raise errors.Invalid({"name": [CHANNEL_NAME_TAKEN]})
    channel = Channel.objects.create(workspace=workspace, name=name, kind=channel_kind_of(name))
    ChannelEntry.objects.create(channel=channel, reviewed=True)
    return channel


def channel_review(*, channel: Channel, reviewed: bool = True) -> Channel:
    """Keep a channel an import added, as it is (or put it back among those to review)."""
    entry = channel_entry(channel)
    entry.reviewed = reviewed
    entry.save(update_fields=["reviewed"])
    return channel


def alias_union(aliases: list[str], more: list[str], keep: str) -> list[str]:
    known = {key_of(keep)} | {key_of(alias) for alias in aliases}
    result = list(aliases)
    for name in more:
        if key_of(name) not in known:
            result.append(name)
            known.add(key_of(name))
    return result


@transaction.atomic
def channel_merge(*, source: Channel, into: Channel, actor: Any = None) -> Channel:
    """Everything filed under `source` goes to `into` — contacts, protocols, preferred
    channels of personas, steps of blueprints — and `source`'s names become aliases of
    `into`, so the next import files them there."""
    if source.pk == into.pk:
        raise errors.Invalid({"into": [CHANNEL_MERGE_ITSELF]})
    if source.workspace_id != into.workspace_id:
        raise errors.Invalid({"into": [NOT_IN_WORKSPACE]})
    Contact.objects.filter(workspace_id=source.workspace_id, channel=source).update(channel=into)
    taken = ServiceProtocol.objects.filter(channel=into).values_list(
        "persona_id", "contact_reason_id"
    )
    taken_pairs = set(taken)
    for protocol in ServiceProtocol.objects.filter(channel=source):
        if (protocol.persona_id, protocol.contact_reason_id) in taken_pairs:
            protocol.delete()  # the persona has one there already: that one stays
        else:
            ServiceProtocol.objects.filter(pk=protocol.pk).update(channel=into)
    ServiceProtocol.objects.filter(preferred_channel=source).update(preferred_channel=into)
    stamps.bump(source.workspace_id)  # the updates above send no signal
    through = Persona.preferred_channels.through
    holders = through.objects.filter(channel=source).values_list("persona_id", flat=True)
    for persona in Persona.objects.filter(pk__in=list(holders)):
        persona.preferred_channels.add(into)
    from blueprints.models import Step

    blueprint_ids = blueprint_services.channel_step_blueprints(source)
    for step in Step.objects.filter(channel=source).select_related("blueprint"):
        blueprint_services.step_update(
            step=step, changes={"channel": into}, version=None, actor=actor
        )
    blueprint_services.names_announce(
        kind="channel.merged",
        obj=into,
        before={"id": source.pk, "name": source.name},
        after={"id": into.pk, "name": into.name},
        blueprint_ids=blueprint_ids,
        actor=actor,
    )
    entry, merged = channel_entry(into), ChannelEntry.objects.filter(channel=source).first()
    entry.aliases = alias_union(
        entry.aliases, [source.name, *(merged.aliases if merged else [])], keep=into.name
    )
    entry.save(update_fields=["aliases"])
    source.delete()
    return into


@transaction.atomic
def channel_file_under(
    *, channel: Channel, into: Channel | None = None, name: str = "", actor: Any = None
) -> tuple[Channel, bool]:
    """File a channel (a raw name an import brought) under another channel, given as `into`
    or by `name`: a name that is already a channel's name or alias merges there, a new name
    renames it. Either way the raw name files there in the next imports. Answers the channel
    that holds it now and whether it merged."""
    if into is None:
        name = " ".join(str(name).split())
        if not name:
            raise errors.Invalid({"name": [CHANNEL_NAME_MISSING]})
        found = Channels(channel.workspace_id).find(name)
        if found is None or found == channel.pk:
            return channel_rename(channel=channel, name=name, actor=actor), False
        into = Channel.objects.get(pk=found)
    return channel_merge(source=channel, into=into, actor=actor), True


def channel_contact_counts(channel_ids: Sequence[int]) -> dict[int, int]:
    """How many contacts (of finished imports) each channel holds."""
    # By their workspaces (contact_date_idx): contacts have no channel index (Contact.Meta).
    workspaces = Channel.objects.filter(pk__in=list(channel_ids)).values("workspace_id")
    return dict(
        Contact.objects.visible()
        .filter(workspace_id__in=workspaces, channel__in=list(channel_ids))
        .values("channel")
        .annotate(count=Count("pk"))
        .values_list("channel", "count")
    )


def channels_to_review(*, contact_import: ContactImport) -> list[dict[str, Any]]:
    """The raw channel names this import brought that nobody reviewed yet, with their
    contacts."""
    channels = list(
        Channel.objects.filter(
            pk__in=contact_import.created_channels, entry__reviewed=False
        ).order_by("name", "id")
    )
    counts = channel_contact_counts([channel.pk for channel in channels])
    return [{"channel": channel, "contacts": counts.get(channel.pk, 0)} for channel in channels]


def channels_overview(*, workspace: Workspace) -> list[dict[str, Any]]:
    """Every channel with its aliases, whether reviewed, and how many contacts use it;
    unreviewed first."""
    channels = list(
        Channel.objects.filter(workspace=workspace)
        .annotate(step_count=Count("steps"))
        .order_by("name", "id")
    )
    counts = channel_contact_counts([channel.pk for channel in channels])
    entries = {
        entry.channel_id: entry
        for entry in ChannelEntry.objects.filter(channel__workspace=workspace)
    }
    rows = []
    for channel in channels:
        entry = entries.get(channel.pk)
        rows.append(
            {
                "channel": channel,
                "aliases": entry.aliases if entry else [],
                "reviewed": entry.reviewed if entry else True,
                "contacts": counts.get(channel.pk, 0),
                "steps": channel.step_count,
            }
        )
    return sorted(rows, key=lambda row: row["reviewed"])


# --- imports -------------------------------------------------------------------------------


def contact_import_create(
    *, workspace: Workspace, user: Any, upload: UploadedFile, detected: tabular.Detected
) -> ContactImport:
    contact_import = ContactImport(
        workspace=workspace,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        file_name=(upload.name or "upload")[:255],
        format=detected.format,
        delimiter=detected.delimiter,
        encoding=detected.encoding,
        columns=detected.columns,
        preview=detected.preview,
        mapping=tabular.suggest_mapping(detected.columns),
    )
    upload.seek(0)
    contact_import.file.save(upload.name or "upload", upload, save=False)
    contact_import.save()
    return contact_import


def contact_import_redetect(
    *, contact_import: ContactImport, encoding: str | None, delimiter: str | None
) -> None:
    """Read the file again with the encoding or delimiter the user chose."""
    with contact_import.file.open("rb") as stream:
        try:
            detected = tabular.detect(stream, encoding=encoding, delimiter=delimiter)
        except tabular.Unreadable as error:
            # Read again as the user asked: what they chose is what failed.
            raise tabular.Unreadable(error.text, field="encoding") from error
    contact_import.encoding = detected.encoding
    contact_import.delimiter = detected.delimiter
    contact_import.columns = detected.columns
    contact_import.preview = detected.preview
    kept = {k: v for k, v in contact_import.mapping.items() if v in detected.columns}
    contact_import.mapping = kept or tabular.suggest_mapping(detected.columns)


def contact_import_update(*, contact_import: ContactImport, changes: dict[str, Any]) -> None:
    if contact_import.status in (ImportStatus.RUNNING, ImportStatus.DONE):
        raise errors.Conflict(
            NOT_WHILE_RUNNING if contact_import.status == ImportStatus.RUNNING else ALREADY_DONE
        )
    fields = set()
    if changes.get("encoding") or changes.get("delimiter"):
        contact_import_redetect(
            contact_import=contact_import,
            encoding=changes.get("encoding") or contact_import.encoding,
            delimiter=changes.get("delimiter") or contact_import.delimiter,
        )
        fields |= {"encoding", "delimiter", "columns", "preview", "mapping"}
    if "mapping" in changes:
        contact_import.mapping = changes["mapping"]
        fields.add("mapping")
    if fields:
        contact_import.save(update_fields=sorted(fields))


def is_stale(contact_import: ContactImport) -> bool:
    beat = contact_import.heartbeat_at or contact_import.started_at
    lease = timedelta(seconds=settings.TASK_LEASE_SECONDS)  # see personas.runs
    return beat is None or timezone.now() - beat > lease


class RowProblem(ValueError):
    """Why a row is not a contact: an untranslated message and its values."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message, self.params = message, params


CONTACT_COLUMNS = (
    "workspace_id", "contact_import_id", "customer_id", "contact_date", "category_id",
    "subcategory_id", "channel_id", "channel_raw", "gender", "age", "birth_date", "residence",
    "birthplace", "gender_raw", "age_band", "age_raw",
)  # fmt: skip


def insert_contacts(rows: list[tuple]) -> None:
    """Insert rows of CONTACT_COLUMNS: COPY on PostgreSQL, one `executemany` elsewhere.

    Not `bulk_create`: it spends two thirds of an import compiling SQL and building model
    instances for rows that are all alike, and on PostgreSQL row-by-row inserts are five
    times slower than COPY (bench/bench_import.py).
    """
    if connection.vendor == "postgresql":
        copy = ContactCopy()
        try:
            for row in rows:
                copy.write(row)
        except BaseException as error:
            copy.close(error)
            raise
        copy.close()
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name in CONTACT_COLUMNS)
    marks = ", ".join(["%s"] * len(CONTACT_COLUMNS))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(Contact._meta.db_table)} ({names}) VALUES ({marks})", rows
        )


class ContactCopy:
    """A COPY of rows of CONTACT_COLUMNS into the contacts (PostgreSQL) that stays open while
    the caller makes more rows: the server stores and indexes them meanwhile. Nothing else
    may use the connection until it is closed; the caller's transaction holds it.

    The driver's own cursor: its errors (a reference checked at the end of the COPY, see
    migration 0007) become Django's, as any query's do.
    """

    def __init__(self) -> None:
        quote = connection.ops.quote_name
        names = ", ".join(quote(name) for name in CONTACT_COLUMNS)
        self.cursor = connection.cursor()
        with connection.wrap_database_errors:
            self._context = self.cursor.cursor.copy(
                f"COPY {quote(Contact._meta.db_table)} ({names}) FROM STDIN"
            )
            self.write = self._context.__enter__().write_row

    def close(self, error: BaseException | None = None) -> None:
        """End the COPY (the rows are checked and in); with `error`, abandon it."""
        try:
            with connection.wrap_database_errors:
                if error is None:
                    self._context.__exit__(None, None, None)
                else:
                    self._context.__exit__(type(error), error, error.__traceback__)
        finally:
            self.cursor.close()


DEMOGRAPHIC_FIELDS = ("gender", "age", "birth_date")


def value_mappings(workspace_id: int) -> dict[str, dict[str, str]]:
    """Field → {normalized raw value: the value a person chose for it}."""
    found: dict[str, dict[str, str]] = {}
    rows = ValueMapping.objects.filter(workspace_id=workspace_id)
    for field, raw, value in rows.values_list("field", "raw", "value"):
        found.setdefault(field, {})[tabular.normalized(raw)] = value
    return found


MEMO_MAX = 100_000  # distinct values remembered per column (free text can be all distinct)


def remembered(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`function` computed once per distinct cell value: a column of a million rows holds a
    few hundred dates, a handful of genders and ages, a few dozen places."""
    seen: dict[Any, Any] = {}

    def lookup(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            result = function(value)
            if len(seen) < MEMO_MAX:
                seen[value] = result
            return result
        except TypeError:  # a cell value that cannot be a key
            return function(value)

    return lookup


def contact_builder(
    contact_import: ContactImport,
    taxonomy: Taxonomy,
    channels: Channels,
    unrecognised: dict[str, dict[str, int]] | None = None,
) -> Callable[[list[Any]], tuple]:
    """A function turning one row's values into a row of CONTACT_COLUMNS (or raising
    RowProblem).

    Only what makes a contact can reject a row: its customer, its date and (when a column
    holds it) its reason. A demographic value the app does not recognise is kept as written
    and counted in `unrecognised` (field → value → rows), never a reason to lose the contact.
    Every value is read once per distinct value (`remembered`), never once per row.
    """
    as_date = connection.ops.adapt_datefield_value
    index = {name: contact_import.columns.index(column) for name, column in
             contact_import.mapping.items() if column in contact_import.columns}  # fmt: skip
    column = {name: contact_import.columns[position] for name, position in index.items()}
    workspace_id, import_id = contact_import.workspace_id, contact_import.pk
    width = len(contact_import.columns)
    # Each field's cell, in tabular.FIELDS order; a field not in the file reads the None
    # appended after the row's last value.
    pick = itemgetter(*(index.get(name, width) for name in tabular.FIELDS))
    has_reason = "category" in index
    mapped = value_mappings(workspace_id)
    mapped_gender, mapped_age = mapped.get("gender", {}), mapped.get("age", {})
    unrecognised = {} if unrecognised is None else unrecognised
    padded = contact_import.format == "xlsx"  # a sheet's row ends at its last filled cell
    text = tabular.cell_text

    def count(field: str, raw: str) -> None:
        counts = unrecognised.setdefault(field, {})
        counts[raw] = counts.get(raw, 0) + 1

    @remembered
    def contact_date_of(raw: Any) -> tuple[date | None, Any]:
        day = tabular.parse_date(raw)
        return day, as_date(day)

    @remembered
    def birth_date_of(raw: Any) -> tuple[date | None, str]:
        """(date, the value as written when it is neither a date nor "not said")."""
        if not text(raw):
            return None, ""
        day = tabular.parse_date(raw)
        if day is None and not tabular.is_not_said(raw):
            return None, tabular.clean_name(raw, TEXT_MAX)
        return day, ""

    @remembered
    def age_of(raw: Any) -> tuple[int | None, str, str]:
        """(age, band, the value as written when it is not recognised)."""
        if not text(raw):
            return None, "", ""
        chosen = mapped_age.get(tabular.normalized(text(raw))) if mapped_age else None
        age, band = tabular.parse_age_or_band(chosen if chosen is not None else raw)
        if age is None and not band and not tabular.is_not_said(raw) and not chosen:
            return None, "", tabular.clean_name(raw, TEXT_MAX)
        return age, band, ""

    @remembered
    def gender_of(raw: Any) -> tuple[str, str]:
        """(gender, the value as written when it is not recognised)."""
        gender = tabular.parse_gender(raw)
        if gender is None:
            gender = mapped_gender.get(tabular.normalized(text(raw)))
        if gender is None:
            return "", tabular.clean_name(raw, TEXT_MAX)
        return gender, ""

    @remembered
    def channel_of(raw: Any) -> tuple[int | None, str]:
        name = tabular.clean_name(raw, TEXT_MAX)
        return (channels.resolve(name) if name else None), name

    place_of = remembered(lambda raw: tabular.clean_name(raw, TEXT_MAX))

    def build(values: list[Any]) -> tuple:
        if len(values) != width:
            if len(values) < width and not padded:
                raise RowProblem(ROW_SHORT, found=len(values), expected=width)
            if len(values) > width and any(text(v) for v in values[width:]):
                raise RowProblem(ROW_LONG, found=len(values), expected=width)
            values = (values + [""] * width)[:width]
        (raw_customer, raw_date, raw_category, raw_subcategory, raw_channel, raw_gender,
         raw_age, raw_birth, raw_residence, raw_birthplace) = pick([*values, None])  # fmt: skip
        customer = text(raw_customer)
        if not customer:
            raise RowProblem(EMPTY_CUSTOMER, column=column["customer_id"])
        if len(customer) > 100:
            raise RowProblem(LONG_CUSTOMER, column=column["customer_id"])
        contact_date, stored_date = contact_date_of(raw_date)
        if contact_date is None:
            if text(raw_date) == "":
                raise RowProblem(EMPTY_DATE, column=column["contact_date"])
            raise RowProblem(BAD_DATE, value=short(raw_date), column=column["contact_date"])
        if has_reason and not text(raw_category) and not text(raw_subcategory):
            raise RowProblem(EMPTY_REASON, column=column["category"])
        birth_date, birth_raw = birth_date_of(raw_birth)
        if birth_raw:
            count("birth_date", birth_raw)
        age, age_band, age_raw = age_of(raw_age)
        if age_raw:
            count("age", age_raw)
        if age is None and not age_band and birth_date is not None and birth_date <= contact_date:
            age = tabular.age_on(birth_date, contact_date)
        gender, gender_raw = gender_of(raw_gender)
        if gender_raw:
            count("gender", gender_raw)
        category_id, subcategory_id = taxonomy.resolve_cells(raw_category, raw_subcategory)
        channel_id, channel_raw = channel_of(raw_channel)
        return (
            workspace_id,
            import_id,
            customer,
            stored_date,
            category_id,
            subcategory_id,
            channel_id,
            channel_raw,
            gender,
            age,
            None if birth_date is None else as_date(birth_date),
            place_of(raw_residence),
            place_of(raw_birthplace),
            gender_raw,
            age_band,
            age_raw,
        )

    return build


def short(value: Any) -> str:
    text = tabular.cell_text(value)
    return text if len(text) <= 40 else text[:39] + "…"


def raw_row(values: list[Any], delimiter: str) -> str:
    """A rejected row's content as the file had it (near enough), for the error list."""
    return (delimiter or ";").join(tabular.cell_text(value) for value in values)[:2000]


def import_errors(contact_import: ContactImport, limit: int | None = None) -> list[dict]:
    """The rows an import rejected, in the reader's language: line, message, raw content."""
    rows = ImportRowError.objects.filter(contact_import=contact_import).order_by(
        models.F("line").asc(nulls_first=True), "id"
    )
    if limit is not None:
        rows = rows[:limit]
    return [
        {"line": line, "message": row_error_text(message, params), "raw": raw}
        for line, message, params, raw in rows.values_list("line", "message", "params", "raw")
    ]


def import_errors_csv(contact_import: ContactImport) -> Iterator[str]:
    """Every rejected row as CSV lines (line, message, raw content), in the reader's language."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([gettext("Line"), gettext("Problem"), gettext("Row as in the file")])
    rows = ImportRowError.objects.filter(contact_import=contact_import).order_by(
        models.F("line").asc(nulls_first=True), "id"
    )
    values = rows.values_list("line", "message", "params", "raw")
    for line, message, params, raw in values.iterator(chunk_size=2000):
        writer.writerow(["" if line is None else line, row_error_text(message, params),
                         safe_cell(raw)])  # fmt: skip
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def covers(scope: dict[str, Any], run_import: int | None, import_id: int) -> bool:
    """Whether a run with this scope took contacts of the import."""
    if run_import is not None:
        return run_import == import_id
    return not scope.get("imports") or import_id in scope["imports"]


@transaction.atomic
def contact_import_delete(*, contact_import: ContactImport) -> None:
    """Delete an import and its contacts; the taxonomy nodes and channels it alone added go
    too (those other contacts, protocols or steps use stay), and the segmentations that
    covered it are marked stale."""
    if contact_import.status == ImportStatus.RUNNING and not is_stale(contact_import):
        raise errors.Conflict(NOT_WHILE_RUNNING)
    workspace_id = contact_import.workspace_id
    runs = Segmentation.objects.filter(workspace_id=workspace_id, stale=False)
    stale = [
        pk
        for pk, run_import, scope in runs.values_list("pk", "contact_import_id", "scope")
        if covers(scope, run_import, contact_import.pk)
    ]
    Segmentation.objects.filter(pk__in=stale).update(stale=True)
    Contact.objects.filter(contact_import=contact_import).delete()
    reasons, channels = contact_import.created_reasons, contact_import.created_channels
    contact_import.file.delete(save=False)
    contact_import.delete()
    import_nodes_release(workspace_id=workspace_id, reasons=reasons, channels=channels)


@transaction.atomic
def import_nodes_release(
    *, workspace_id: int, reasons: list[int], channels: list[int], keeper: int | None = None
) -> None:
    """Let go of the taxonomy nodes and channels an import added (it is deleted, or its run
    stopped): each is removed unless something else uses it or a person reviewed it since.

    While another import of the workspace runs they are handed over to it instead (added to
    its `created_*` lists, never removed now): that run read the workspace's nodes when it
    started (Taxonomy, Channels) and may write a batch using any of them at any moment. It
    lets go of them in turn when it is deleted or stops. `keeper` is an import that may not
    take them (the one letting go, itself queued again)."""
    taker = (
        ContactImport.objects.select_for_update()
        .filter(workspace_id=workspace_id, status=ImportStatus.RUNNING)
        .exclude(pk=keeper)
        .order_by("pk")
        .first()
    )
    if taker is not None:
        if reasons or channels:
            taker.created_reasons = sorted({*taker.created_reasons, *reasons})
            taker.created_channels = sorted({*taker.created_channels, *channels})
            taker.save(update_fields=["created_reasons", "created_channels"])
        return
    # Which of them contacts use: one scan of the workspace's contacts for all of them
    # (contacts have no subcategory or channel index: see Contact.Meta), not one per node.
    contacts = Contact.objects.filter(workspace_id=workspace_id)
    used_reasons = (
        {
            pk
            for pair in contacts.filter(
                models.Q(category_id__in=reasons) | models.Q(subcategory_id__in=reasons)
            )
            .values_list("category_id", "subcategory_id")
            .distinct()
            for pk in pair
        }
        if reasons
        else set()
    )
    used_channels = (
        set(
            contacts.filter(channel_id__in=channels).values_list("channel_id", flat=True).distinct()
        )
        if channels
        else set()
    )
    for pk in sorted(reasons, reverse=True):  # subcategories were added after their category
        # A node a person reviewed since is theirs now: it stays.
        node = ContactReason.objects.filter(pk=pk, children__isnull=True, reviewed=False).first()
        if node is None or pk in used_reasons:
            continue
        node.delete()  # its protocols go with it, as when a facilitator deletes a node
    from blueprints.models import Step

    for pk in channels:
        if (
            ChannelEntry.objects.filter(channel_id=pk, reviewed=True).exists()
            or pk in used_channels
            or Step.objects.filter(channel_id=pk).exists()
            or ServiceProtocol.objects.filter(
                models.Q(channel_id=pk) | models.Q(preferred_channel_id=pk)
            ).exists()
        ):
            continue
        Channel.objects.filter(pk=pk).delete()


# --- exploration ---------------------------------------------------------------------------


def contact_stats(*, workspace: Workspace, contact_import: ContactImport | None = None) -> dict:
    """Counts of visible contacts by category, subcategory, channel and month."""
    contacts: QuerySet = Contact.objects.visible().filter(workspace=workspace)
    if contact_import is not None:
        contacts = contacts.filter(contact_import=contact_import)
    names = dict(ContactReason.objects.filter(workspace=workspace).values_list("pk", "name"))
    by_category = contacts.values("category").annotate(count=Count("pk")).order_by("-count")
    by_subcategory = (
        contacts.exclude(subcategory=None)
        .values("category", "subcategory")
        .annotate(count=Count("pk"))
        .order_by("-count")
    )
    channel_names = dict(Channel.objects.filter(workspace=workspace).values_list("pk", "name"))
    by_channel = (
        contacts.values("channel", "channel_raw").annotate(count=Count("pk")).order_by("-count")
    )
    channels: dict[tuple[int | None, str], int] = {}
    for row in by_channel:
        name = channel_names.get(row["channel"], row["channel_raw"])
        key = (row["channel"], name if row["channel"] is None else "")
        channels[key] = channels.get(key, 0) + row["count"]
    by_month = (
        contacts.exclude(contact_date=None)
        .annotate(month=TruncMonth("contact_date"))
        .values("month")
        .annotate(count=Count("pk"))
        .order_by("month")
    )
    return {
        "total": contacts.count(),
        "by_category": [
            {"id": r["category"], "name": names.get(r["category"], ""), "count": r["count"]}
            for r in by_category
        ],
        "by_subcategory": [
            {
                "id": r["subcategory"],
                "category": r["category"],
                "name": names.get(r["subcategory"], ""),
                "count": r["count"],
            }
            for r in by_subcategory
        ],
        "by_channel": sorted(
            (
                {"id": pk, "name": channel_names.get(pk, raw) if pk else raw, "count": count}
                for (pk, raw), count in channels.items()
            ),
            key=lambda row: -row["count"],
        ),
        "by_month": continuous_months({month_text(r["month"]): r["count"] for r in by_month}),
    }


def continuous_months(counts: dict[str, int]) -> list[dict[str, Any]]:
    """Every month from the first to the last, those without contacts as zero: a chart of a
    two-year file shows its gaps instead of closing them up."""
    if not counts:
        return []
    first, last = min(counts), max(counts)
    year, month = int(first[:4]), int(first[5:7])
    rows = []
    while f"{year:04d}-{month:02d}" <= last:
        key = f"{year:04d}-{month:02d}"
        rows.append({"month": key, "count": counts.get(key, 0)})
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return rows


def contact_demographics(
    *, workspace: Workspace, contact_import: ContactImport | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Distinct customers by gender, age band, residence and birthplace (a customer whose
    contacts disagree counts under each value)."""
    from django.db.models import Case, IntegerField, Value, When

    contacts: QuerySet = Contact.objects.visible().filter(workspace=workspace)
    if contact_import is not None:
        contacts = contacts.filter(contact_import=contact_import)
    customers = Count("customer_id", distinct=True)
    result: dict[str, list[dict[str, Any]]] = {}
    rows = contacts.exclude(gender="").values("gender").annotate(count=customers)
    result["gender"] = sorted(
        ({"name": r["gender"], "count": r["count"]} for r in rows),
        key=lambda row: -row["count"],
    )
    band = Case(
        *(When(age__gte=low, age__lte=high, then=Value(i)) for i, (low, high, _) in
          enumerate(AGE_BANDS)),
        output_field=IntegerField(),
    )  # fmt: skip
    rows = contacts.exclude(age=None).annotate(band=band).values("band").annotate(count=customers)
    by_band = {r["band"]: r["count"] for r in rows if r["band"] is not None}
    # Ages the file gave as bands ("25-34", "65+") count in the band they fall in.
    banded = contacts.filter(age=None).exclude(age_band="").values("age_band")
    for row in banded.annotate(count=customers):
        index = age_band_index(row["age_band"])
        if index is not None:
            by_band[index] = by_band.get(index, 0) + row["count"]
    result["age_band"] = [
        {"name": AGE_BANDS[index][2], "count": count} for index, count in sorted(by_band.items())
    ]
    for field in ("residence", "birthplace"):
        rows = (
            contacts.exclude(**{field: ""})
            .values(field)
            .annotate(count=customers)
            .order_by("-count", field)
        )
        result[field] = [{"name": r[field], "count": r["count"]} for r in rows]
    return result


def age_band_index(band: str) -> int | None:
    """The app's age band (index in AGE_BANDS) a file's band falls in."""
    age = tabular.band_age(band)
    if age is None:
        return None
    return next(i for i, (low, high, _label) in enumerate(AGE_BANDS) if low <= age <= high)


def month_text(value: date | Any) -> str:
    return value.strftime("%Y-%m") if hasattr(value, "strftime") else str(value)[:7]


# --- segmentation --------------------------------------------------------------------------

DEFAULT_SEED = 20240611
PROGRESS_EVERY = 0.5  # seconds between progress writes
AGE_BANDS = [
    (0, 17, "< 18"),
    (18, 24, "18–24"),
    (25, 34, "25–34"),
    (35, 44, "35–44"),
    (45, 54, "45–54"),
    (55, 64, "55–64"),
    (65, 200, "65+"),
]
SEGMENTATION_RUNNING = _("A segmentation of this workspace is running; wait until it is done.")
SEGMENTATION_NOT_WHILE_RUNNING = _("This segmentation is running; wait until it is done or failed.")
SEGMENTATION_CRASHED = _(
    "The segmentation stopped ({error}); nothing of it was kept. Start it again."
)
IMPORT_NOT_DONE = _("Only a finished import can be segmented.")


class Codes(dict):
    """Value → code, a new code for each new value (from `offset` on); empty values → -1."""

    def __init__(self, offset: int = 0) -> None:
        super().__init__({"": -1, None: -1})
        self.next = offset

    def codes(self, values: Sequence[Any]) -> list[int]:
        """Codes for a column of values. New values are found with `dict.fromkeys` and the
        column mapped with `map`, both in C: this runs for every contact of a million-row
        workspace, where a comprehension calling `setdefault` took four times as long."""
        for value in dict.fromkeys(values):
            if value not in self:
                self[value] = self.next
                self.next += 1
        return list(map(self.__getitem__, values))

    def labels(self) -> list[str]:
        return [str(value) for value, code in self.items() if code >= 0]


GENDER_CODES = {"female": 0, "male": 1, "other": 2}
CONTACT_FIELDS = (
    "customer_id", "category_id", "subcategory_id", "channel_id", "channel_raw", "gender",
    "age", "age_band", "residence", "birthplace",
)  # fmt: skip


def scoped_contacts(
    contacts: QuerySet, scope: dict[str, Any], contact_import_id: int | None = None
) -> QuerySet:
    """The contacts a run's scope covers: some imports, a period, some channels, without
    the contacts no import brought (the demo's)."""
    if contact_import_id is not None:
        contacts = contacts.filter(contact_import_id=contact_import_id)
    if scope.get("imports"):
        contacts = contacts.filter(contact_import_id__in=scope["imports"])
    if scope.get("exclude_demo"):
        contacts = contacts.exclude(contact_import=None)
    if scope.get("date_from"):
        contacts = contacts.filter(contact_date__gte=scope["date_from"])
    if scope.get("date_to"):
        contacts = contacts.filter(contact_date__lte=scope["date_to"])
    if scope.get("channels"):
        contacts = contacts.filter(channel_id__in=scope["channels"])
    return contacts


SCOPE_BAD_DATES = _("The period ends before it starts.")
SCOPE_NOTHING = _("No contact is in this scope: choose other imports, dates or channels.")


def segmentation_scope(
    *,
    workspace: Workspace,
    imports: Sequence[ContactImport] = (),
    date_from: date | None = None,
    date_to: date | None = None,
    channels: Sequence[Channel] = (),
    exclude_demo: bool = False,
    contact_import: ContactImport | None = None,
) -> dict[str, Any]:
    """A run's scope, checked: finished imports and channels of the workspace, a period
    that ends after it starts, and at least one contact in it."""
    problems: dict[str, list[Any]] = {}
    if contact_import is not None and contact_import.status != ImportStatus.DONE:
        problems["contact_import"] = [IMPORT_NOT_DONE]
    if any(item.workspace_id != workspace.pk for item in imports):
        problems["imports"] = [NOT_IN_WORKSPACE]
    elif any(item.status != ImportStatus.DONE for item in imports):
        problems["imports"] = [IMPORT_NOT_DONE]
    if any(item.workspace_id != workspace.pk for item in channels):
        problems["channels"] = [NOT_IN_WORKSPACE]
    if date_from and date_to and date_to < date_from:
        problems["date_to"] = [SCOPE_BAD_DATES]
    if problems:
        raise errors.Invalid(problems)
    scope: dict[str, Any] = {}
    if imports:
        scope["imports"] = sorted(item.pk for item in imports)
    if date_from:
        scope["date_from"] = date_from.isoformat()
    if date_to:
        scope["date_to"] = date_to.isoformat()
    if channels:
        scope["channels"] = sorted(item.pk for item in channels)
    if exclude_demo:
        scope["exclude_demo"] = True
    contacts = Contact.objects.visible().filter(workspace=workspace)
    import_id = contact_import.pk if contact_import is not None else None
    if not scoped_contacts(contacts, scope, import_id).exists():
        raise errors.Invalid(SCOPE_NOTHING)
    return scope


def segmentation_contacts(
    *, workspace_id: int, contact_import_id: int | None = None, scope: dict | None = None
) -> "segmentation.Contacts":
    """The visible contacts of a workspace (or of one import) as plain arrays of codes.

    Read with a raw (server-side on PostgreSQL) cursor in chunks and coded column by column:
    Django's row iterator and a loop per row cost four times as much on a million contacts
    (bench/bench_segmentation.py).
    """
    from array import array

    import numpy as np

    from personas import segmentation

    contacts = scoped_contacts(
        Contact.objects.visible().filter(workspace_id=workspace_id), scope or {}, contact_import_id
    )
    nodes = list(
        ContactReason.objects.filter(workspace_id=workspace_id)
        .order_by("id")
        .values_list("pk", "parent_id", "name")
    )
    names = {pk: name for pk, _parent, name in nodes}
    categories = [(pk, name) for pk, parent, name in nodes if parent is None]
    subcategories = [
        (pk, f"{names.get(parent, '')} › {name}") for pk, parent, name in nodes if parent
    ]
    channels = list(
        Channel.objects.filter(workspace_id=workspace_id).order_by("id").values_list("pk", "name")
    )
    category_code = {pk: code for code, (pk, _) in enumerate(categories)}
    subcategory_code = {pk: code for code, (pk, _) in enumerate(subcategories)}
    channel_code = {pk: code for code, (pk, _) in enumerate(channels)}
    customers, raw_channels = Codes(), Codes(offset=len(channels))
    places, birthplaces = Codes(), Codes()
    columns = {name: array("q") for name in (
        "customer", "category", "subcategory", "channel", "gender", "age", "residence",
        "birthplace",
    )}  # fmt: skip
    category_code[None] = subcategory_code[None] = channel_code[None] = -1
    sql, params = contacts.values_list(*CONTACT_FIELDS).query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(50000):
            customer, category, subcategory, channel, raw, gender, age, band, home, born = zip(
                *rows, strict=True
            )
            if any(band):  # ages the file gave as bands stand for their band
                age = [
                    tabular.band_age(b) if a is None and b else a
                    for a, b in zip(age, band, strict=True)
                ]
            columns["customer"].extend(customers.codes(customer))
            columns["category"].extend(map(category_code.get, category, repeat(-1)))
            columns["subcategory"].extend(map(subcategory_code.get, subcategory, repeat(-1)))
            if None in channel:  # raw channel texts no workspace channel matched
                unmatched = [t if pk is None else "" for pk, t in zip(channel, raw, strict=True)]
                found = map(channel_code.get, channel, repeat(-1))
                coded = raw_channels.codes(unmatched)
                columns["channel"].extend(max(a, b) for a, b in zip(found, coded, strict=True))
            else:
                columns["channel"].extend(map(channel_code.get, channel, repeat(-1)))
            columns["gender"].extend(map(GENDER_CODES.get, gender, repeat(-1)))
            ages = np.array(age, dtype=float)  # None → nan
            columns["age"].extend(np.nan_to_num(ages, nan=-1).astype(np.int64).tolist())
            columns["residence"].extend(places.codes(home))
            columns["birthplace"].extend(birthplaces.codes(born))
    ages = np.frombuffer(columns.pop("age"), dtype=np.int64)
    bounds = np.array([low for low, _high, _label in AGE_BANDS[1:]])
    age_band = np.where(ages >= 0, np.searchsorted(bounds, ages, side="right"), -1)
    labels = {
        "category": [name for _, name in categories],
        "subcategory": [name for _, name in subcategories],
        "channel": [name for _, name in channels] + raw_channels.labels(),
        "gender": list(GENDER_CODES),
        "residence": places.labels(),
        "birthplace": birthplaces.labels(),
    }
    as_array = lambda values: np.frombuffer(values, dtype=np.int64)  # noqa: E731
    coded = {name: segmentation.Column(as_array(columns[name]), labels[name]) for name in labels}
    coded["age_band"] = segmentation.Column(age_band, [label for _, _, label in AGE_BANDS])
    # Customers by id, not in the order the database happened to return their contacts: the
    # same contacts and seed give the same segments on SQLite and PostgreSQL.
    found = customers.labels()
    order = sorted(range(len(found)), key=found.__getitem__)
    rank = np.empty(len(found), dtype=np.int64)
    rank[order] = np.arange(len(found))
    return segmentation.Contacts(
        customer=rank[as_array(columns["customer"])] if found else as_array(columns["customer"]),
        customer_ids=[found[index] for index in order],
        columns=coded,
    )


def segment_evidence(segment: Segment) -> dict[str, Any]:
    return {
        "segmentation": segment.segmentation_id,
        "segment": segment.number,
        "customers": segment.customers,
        "share": segment.share,
        "small": segment.small,
        "contacts": segment.contacts,
        "contacts_per_customer": segment.contacts_per_customer,
        "over_indexing": segment.over_indexing,
        "breakdown": segment.breakdown,
        "bias": segment.bias,
    }


def segmentation_save(
    *, run: Segmentation, result: "segmentation.Result", customer_ids: list[str]
) -> None:
    segments = Segment.objects.bulk_create(
        Segment(
            segmentation=run,
            number=found.number,
            customers=found.customers,
            share=found.share,
            small=found.small,
            contacts=found.contacts,
            contacts_per_customer=found.contacts_per_customer,
            profile=found.profile,
            over_indexing=found.over_indexing,
            breakdown=found.breakdown,
            bias=found.bias,
        )
        for found in result.segments
    )
    personas_match(workspace_id=run.workspace_id, segments=segments)
    Segmentation.objects.filter(pk=run.pk).update(
        status=ImportStatus.DONE,
        progress=1.0,
        k=result.k,
        params=result.params,
        metrics=result.metrics,
        candidates=result.candidates,
        population=result.population,
        assignments=assignments_blob(customer_ids, result.labels.tolist()),
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )


def assignments_blob(customer_ids: list[str], labels: list[int]) -> bytes:
    """`customer_id,segment` CSV lines (by customer id), compressed: one value per run.

    Not a row per customer: the assignments are only ever read whole, as the CSV, and
    inserting 300,000 indexed rows took longer than the whole clustering
    (bench/bench_segmentation.py).
    """
    import csv
    import io
    import zlib

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["customer_id", "segment"])
    writer.writerows(
        (safe_cell(customer), label + 1 if label >= 0 else "")
        for customer, label in sorted(zip(customer_ids, labels, strict=True))
    )
    return zlib.compress(buffer.getvalue().encode("utf-8"), level=1)


def segmentation_delete(*, run: Segmentation) -> None:
    if run.status == ImportStatus.RUNNING and not is_stale(run):
        raise errors.Conflict(SEGMENTATION_NOT_WHILE_RUNNING)
    run.delete()


def assignments_csv_chunks(run: Segmentation) -> Iterator[bytes]:
    """The run's assignments CSV, decompressed piece by piece for a streaming response."""
    import zlib

    blob = Segmentation.objects.filter(pk=run.pk).values_list("assignments", flat=True).get()
    inflate = zlib.decompressobj()
    data = bytes(blob or b"")
    for start in range(0, len(data), 64 * 1024):
        piece = inflate.decompress(data[start : start + 64 * 1024])
        if piece:
            yield piece
    rest = inflate.flush()
    if rest:
        yield rest


def assignments_of(run: Segmentation) -> dict[str, int | None]:
    """customer id → segment number (None: not segmented)."""
    import csv
    import io

    text = b"".join(assignments_csv_chunks(run)).decode("utf-8")
    rows = csv.reader(io.StringIO(text))
    next(rows, None)
    return {row[0]: int(row[1]) if row[1] else None for row in rows}


# --- personas ------------------------------------------------------------------------------

PERSONA_STALE = _("Someone changed this persona meanwhile; reload it and apply your change again.")
PROTOCOL_STALE = _(
    "Someone changed this protocol meanwhile; reload it and apply your change again."
)


def channel_ids_by_name(workspace_id: int) -> dict[str, int]:
    rows = Channel.objects.filter(workspace_id=workspace_id).order_by("id")
    found: dict[str, int] = {}
    for pk, name in rows.values_list("pk", "name"):
        found.setdefault(name, pk)
    return found


REDRAFTED_FIELDS = ("segment", "matched", "evidence", "profile", *DRAFT_FIELDS)


def persona_redraft(persona: Persona, segment: Segment) -> None:
    """Point `persona` at `segment`: new evidence; draft fields nobody edited are redrawn."""
    from personas import evidence

    persona.segment = segment
    persona.matched = True
    persona.evidence = segment_evidence(segment)
    persona.profile = segment.profile
    drafted = evidence.draft(persona.evidence, segment.number)
    for name in DRAFT_FIELDS:
        if name not in persona.edited_fields:
            setattr(persona, name, drafted[name])


def preferred_channel_ids(segment: Segment, channels: dict[str, int]) -> list[int]:
    rows = segment.over_indexing.get("channel", [])
    return [channels[row["label"]] for row in rows[:2] if row["label"] in channels]


def personas_match(*, workspace_id: int, segments: list[Segment]) -> None:
    """Carry the workspace's personas over to new segments (keeping their edits); a segment
    no persona matches drafts a new one; a persona no segment matches is marked unmatched."""
    from personas import segmentation

    existing = list(Persona.objects.filter(workspace_id=workspace_id).exclude(profile={}))
    pairs = segmentation.match_profiles(
        [persona.profile for persona in existing], [segment.profile for segment in segments]
    )
    channels = channel_ids_by_name(workspace_id)
    kept: set[int] = set()
    for index, segment in enumerate(segments):
        if index in pairs:
            persona = existing[pairs[index]]
            kept.add(persona.pk)
            persona_redraft(persona, segment)
            persona.version += 1
            persona.save(update_fields=[*REDRAFTED_FIELDS, "version", "updated_at"])
            if "preferred_channels" not in persona.edited_fields:
                persona.preferred_channels.set(preferred_channel_ids(segment, channels))
        else:
            persona = Persona(workspace_id=workspace_id)
            persona_redraft(persona, segment)
            persona.save()
            persona.preferred_channels.set(preferred_channel_ids(segment, channels))
    stale = [p.pk for p in existing if p.pk not in kept]
    Persona.objects.filter(pk__in=stale).update(matched=False)
    stamps.bump(workspace_id)


def edited(persona: Persona, changes: dict[str, Any]) -> list[str]:
    """The profile fields `changes` really changes, added to those edited before."""
    fields = list(persona.edited_fields)
    for name, value in changes.items():
        if name not in DRAFT_FIELDS + ("preferred_channels",) or name in fields:
            continue
        current = getattr(persona, name)
        if name == "preferred_channels":
            current = sorted(c.pk for c in current.all()) if persona.pk else []
            value = sorted(getattr(c, "pk", c) for c in value)
        if current != value:
            fields.append(name)
    return fields


@transaction.atomic
def persona_update(
    *, persona: Persona, changes: dict[str, Any], version: int | None = None
) -> Persona:
    """Apply `changes` (fields and the many-to-many lists) if `version` is still current."""
    relations = {name: changes.pop(name) for name in ("preferred_channels", "blueprints", "steps")
                 if name in changes}  # fmt: skip
    if "name" in changes:
        changes["name"] = " ".join(str(changes["name"]).split())
        if not changes["name"]:
            raise errors.Invalid({"name": [PERSONA_NAME_EMPTY]})
    persona_relations_check(workspace_id=persona.workspace_id, relations=relations)
    persona.edited_fields = edited(persona, {**changes, **relations})
    for name, value in changes.items():
        setattr(persona, name, value)
    persona.full_clean(exclude=["segment", "workspace", "picture"])
    fields = [*changes, "edited_fields", "updated_at", "version"]
    if version is not None:
        updated = Persona.objects.filter(pk=persona.pk, version=version)
    else:
        updated = Persona.objects.filter(pk=persona.pk)
    persona.updated_at = timezone.now()
    count = updated.update(
        **{name: getattr(persona, name) for name in fields if name != "version"},
        version=models.F("version") + 1,
    )
    if not count:
        raise errors.StaleVersion(PERSONA_STALE, current=Persona.objects.get(pk=persona.pk))
    for name, value in relations.items():
        getattr(persona, name).set(value)
    persona.refresh_from_db()
    return persona


PERSONA_NAME_EMPTY = _("A persona needs a name.")
NOT_IN_WORKSPACE = _("Must belong to the same workspace.")
REASON_OR_CHANNEL = _(
    "Choose what the protocol is for: a contact reason, a channel, or a reason on a channel."
)
PROTOCOL_TWICE = _(
    "This persona already has a protocol for this contact reason and channel; edit that one."
)


@transaction.atomic
def persona_create(*, workspace: Workspace, changes: dict[str, Any]) -> Persona:
    """A persona written by hand (no segment behind it)."""
    changes = dict(changes)
    relations = {name: changes.pop(name) for name in ("preferred_channels", "blueprints", "steps")
                 if name in changes}  # fmt: skip
    picture = changes.pop("picture", None)
    changes["name"] = " ".join(str(changes.get("name", "")).split())
    if not changes["name"]:
        raise errors.Invalid({"name": [PERSONA_NAME_EMPTY]})
    persona_relations_check(workspace_id=workspace.pk, relations=relations)
    persona = Persona(workspace=workspace, **changes)
    persona.full_clean(exclude=["segment", "picture"])
    persona.save()
    for name, value in relations.items():
        getattr(persona, name).set(value)
    if picture:
        persona_set_picture(persona=persona, picture=picture)
    return persona


def persona_relations_check(*, workspace_id: int, relations: dict[str, Any]) -> None:
    """Channels, blueprints and steps of a persona belong to its workspace."""
    problems = {
        name: [NOT_IN_WORKSPACE]
        for name, items in relations.items()
        if any(workspace_id_of(item) != workspace_id for item in items)
    }
    if problems:
        raise errors.Invalid(problems)


def workspace_id_of(item: Any) -> int:
    """The workspace of a channel, blueprint or step named in a persona or protocol."""
    if hasattr(item, "workspace_id"):
        return item.workspace_id
    return item.blueprint.workspace_id


def protocol_check(
    *, persona: Persona, changes: dict[str, Any], protocol: ServiceProtocol | None = None
) -> None:
    """Whether a protocol of `persona` may have these fields (merged over `protocol`'s)."""

    def get(name: str) -> Any:
        return changes[name] if name in changes else getattr(protocol, name, None)

    reason, channel = get("contact_reason"), get("channel")
    for name in ("contact_reason", "channel", "preferred_channel"):
        value = get(name)
        if value is not None and value.workspace_id != persona.workspace_id:
            raise errors.Invalid({name: [NOT_IN_WORKSPACE]})
    if reason is None and channel is None:
        raise errors.Invalid(REASON_OR_CHANNEL)
    twins = ServiceProtocol.objects.filter(persona=persona, contact_reason=reason, channel=channel)
    if protocol is not None:
        twins = twins.exclude(pk=protocol.pk)
    if twins.exists():
        raise errors.Invalid(PROTOCOL_TWICE)


@transaction.atomic
def protocol_create(*, persona: Persona, changes: dict[str, Any]) -> ServiceProtocol:
    changes = {name: value for name, value in changes.items() if name not in ("persona", "version")}
    protocol_check(persona=persona, changes=changes)
    protocol = ServiceProtocol(persona=persona, workspace_id=persona.workspace_id, **changes)
    protocol.full_clean(validate_constraints=False)
    protocol.save()
    return protocol


def protocol_delete(*, protocol: ServiceProtocol) -> None:
    protocol.delete()


@transaction.atomic
def protocol_update(
    *, protocol: ServiceProtocol, changes: dict[str, Any], version: int | None = None
) -> ServiceProtocol:
    changes = {name: value for name, value in changes.items() if name != "persona"}
    protocol_check(persona=protocol.persona, changes=changes, protocol=protocol)
    for name, value in changes.items():
        setattr(protocol, name, value)
    protocol.full_clean(validate_constraints=False)
    updated = ServiceProtocol.objects.filter(pk=protocol.pk)
    if version is not None:
        updated = updated.filter(version=version)
    count = updated.update(
        **{name: getattr(protocol, name) for name in changes},
        updated_at=timezone.now(),
        version=models.F("version") + 1,
    )
    if not count:
        raise errors.StaleVersion(
            PROTOCOL_STALE, current=ServiceProtocol.objects.get(pk=protocol.pk)
        )
    protocol.refresh_from_db()
    return protocol


def persona_set_picture(*, persona: Persona, picture: Any) -> None:
    """Store a new picture (or none) and remove the file of the old one."""
    old = persona.picture.name
    if picture is None:
        persona.picture = ""
    else:
        fresh = pictures.reencoded(picture)  # never the uploaded bytes or name
        persona.picture.save(fresh.name, fresh, save=False)
    Persona.objects.filter(pk=persona.pk).update(picture=persona.picture.name)
    stamps.bump(persona.workspace_id)
    if old and old != persona.picture.name:
        persona.picture.storage.delete(old)


def persona_delete(*, persona: Persona) -> None:
    if persona.picture:
        persona.picture.storage.delete(persona.picture.name)
    persona.delete()


def persona_archive(*, persona: Persona, archived: bool = True) -> Persona:
    """Put a persona aside (or back): kept with its protocols, no longer listed as working."""
    Persona.objects.filter(pk=persona.pk).update(
        archived=archived, version=models.F("version") + 1, updated_at=timezone.now()
    )
    stamps.bump(persona.workspace_id)
    persona.refresh_from_db()
    return persona


def personas_stale_delete(*, workspace: Workspace) -> int:
    """Delete the drafts no segmentation matches any more and nobody edited; returns how many."""
    drafts = Persona.objects.filter(workspace=workspace, matched=False, edited_fields=[])
    count = 0
    for persona in drafts:
        persona_delete(persona=persona)
        count += 1
    return count


# --- demographic values a person maps -------------------------------------------------------

MAPPED_FIELDS = ("gender", "age")
MAPPING_FIELD_UNKNOWN = _("Only gender and age values are mapped.")
MAPPING_VALUE_BAD = _("Choose female, male, other or not said.")
MAPPING_AGE_BAD = _("Give an age (34), a band (25-34, 65+) or leave it empty for not said.")


@transaction.atomic
def value_map(*, workspace: Workspace, field: str, raw: str, value: str) -> int:
    """File `raw` under `value` for the workspace's contacts that have it, and remember it for
    the next imports. Returns how many contacts changed."""
    if field not in MAPPED_FIELDS:
        raise errors.Invalid({"field": [MAPPING_FIELD_UNKNOWN]})
    raw = tabular.clean_name(raw, TEXT_MAX)
    value = " ".join(str(value).split())
    contacts = Contact.objects.filter(workspace=workspace)
    if field == "gender":
        if value not in ("female", "male", "other", ""):
            raise errors.Invalid({"value": [MAPPING_VALUE_BAD]})
        matching = contacts.filter(gender_raw__iexact=raw)
        changed = matching.update(gender=value, gender_raw="")
    else:
        age, band = tabular.parse_age_or_band(value)
        if value and age is None and not band:
            raise errors.Invalid({"value": [MAPPING_AGE_BAD]})
        matching = contacts.filter(age_raw__iexact=raw)
        changed = matching.update(age=age, age_band=band, age_raw="")
    ValueMapping.objects.filter(workspace=workspace, field=field, raw__iexact=raw).delete()
    ValueMapping.objects.create(workspace=workspace, field=field, raw=raw, value=value)
    return changed


def unrecognised_values(
    *, workspace: Workspace, contact_import: ContactImport | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Field → the demographic values kept as written, with how many contacts have them."""
    contacts: QuerySet = Contact.objects.filter(workspace=workspace)
    if contact_import is not None:
        contacts = contacts.filter(contact_import=contact_import)
    found = {}
    for field in MAPPED_FIELDS:
        rows = (
            contacts.exclude(**{f"{field}_raw": ""})
            .values(f"{field}_raw")
            .annotate(count=Count("pk"))
            .order_by("-count")
        )
        found[field] = [{"raw": row[f"{field}_raw"], "count": row["count"]} for row in rows]
    return found


def persona_reword(*, persona: Persona) -> Persona:
    """Word the drafted sentences nobody edited again, in the language now active (the
    reader's): a run drafts them in the language of whoever started it."""
    from personas import evidence

    if not persona.evidence:
        return persona
    drafted = evidence.draft(persona.evidence, persona.evidence.get("segment", 0))
    changes = {name: drafted[name] for name in DRAFT_FIELDS if name not in persona.edited_fields}
    Persona.objects.filter(pk=persona.pk).update(
        **changes, version=models.F("version") + 1, updated_at=timezone.now()
    )
    stamps.bump(persona.workspace_id)
    persona.refresh_from_db()
    return persona
