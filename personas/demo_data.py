"""The demo data of the story: why consumers of a beverage maker get in touch, and who they are."""

import random
from dataclasses import dataclass
from datetime import date, timedelta

TAXONOMY: dict[str, list[str]] = {
    "Complaints": [
        "Product quality",
        "Packaging",
        "Foreign body",
        "Taste or smell",
        "Delivery",
        "Price",
        "Customer service",
    ],
    "Information requests": [
        "Ingredients and allergens",
        "Nutrition",
        "Where to buy",
        "Sustainability",
        "Company and brands",
    ],
    "Feedback": ["Compliment", "Suggestion"],
    "Promotions": ["Prize claim", "Promotion rules", "Coupon not working"],
    "E-commerce": ["Order status", "Payment", "Returns", "Damaged on arrival"],
    "Other": ["Job application", "Sponsorship request", "Other"],
}

# --- synthetic contacts with planted customer groups ---------------------------------------
#
# Deterministic (one `random.Random(seed)`): the same contacts on every machine and every run.
# Each customer belongs to one planted group; each of their contacts takes the group's reasons
# and channels with a high probability (`FOCUS`), anything else otherwise. Demographics lean by
# group but are not what forms the groups.

DEMO_SEED = 20240611
DEMO_CUSTOMERS = 6000
FOCUS = 0.9
FIRST_DAY = date(2024, 1, 1)
DAYS = 366

PHONE, EMAIL, WEB_FORM = "Phone", "E-mail", "Web form"
WHATSAPP, LIVE_CHAT, SOCIAL = "WhatsApp", "Live chat", "Social media (Instagram/Facebook)"
DEMO_CHANNELS = [PHONE, EMAIL, WEB_FORM, WHATSAPP, LIVE_CHAT, SOCIAL]
REGIONS = ["Lombardia", "Lazio", "Campania", "Piemonte", "Veneto", "Sicilia", "Toscana"]
BIRTHPLACES = [*REGIONS, "Madrid", "São Paulo", "Buenos Aires"]


@dataclass(frozen=True)
class PlantedGroup:
    key: str
    weight: float
    reasons: dict[str, list[str]]  # category → the subcategories this group contacts about
    channels: list[str]
    ages: tuple[int, int]
    women: float


PLANTED_GROUPS = [
    PlantedGroup(
        "quality-callers",
        0.3,
        {"Complaints": ["Product quality", "Foreign body", "Taste or smell", "Packaging"]},
        [PHONE],
        (48, 75),
        0.55,
    ),
    PlantedGroup(
        "online-shoppers",
        0.25,
        {"E-commerce": ["Order status", "Payment", "Returns", "Damaged on arrival"]},
        [WEB_FORM, LIVE_CHAT],
        (25, 45),
        0.5,
    ),
    PlantedGroup(
        "promo-hunters",
        0.2,
        {"Promotions": ["Prize claim", "Promotion rules", "Coupon not working"]},
        [SOCIAL, WHATSAPP],
        (18, 32),
        0.45,
    ),
    PlantedGroup(
        "label-readers",
        0.17,
        {
            "Information requests": [
                "Ingredients and allergens",
                "Nutrition",
                "Sustainability",
                "Where to buy",
            ]
        },
        [EMAIL],
        (30, 55),
        0.65,
    ),
    PlantedGroup(
        "brand-fans",
        0.08,
        {"Feedback": ["Compliment", "Suggestion"]},
        [SOCIAL],
        (20, 40),
        0.5,
    ),
]


@dataclass(frozen=True)
class DemoContact:
    customer_id: str
    contact_date: date
    category: str
    subcategory: str
    channel: str
    gender: str
    age: int
    residence: str
    birthplace: str


def demo_contacts(
    customers: int = DEMO_CUSTOMERS, seed: int = DEMO_SEED, focus: float = FOCUS
) -> tuple[list[DemoContact], dict[str, str]]:
    """The contacts, and the planted group of every customer (customer id → group key)."""
    rng = random.Random(seed)
    weights = [group.weight for group in PLANTED_GROUPS]
    all_reasons = [(c, s) for c, subs in TAXONOMY.items() for s in subs]
    contacts: list[DemoContact] = []
    planted: dict[str, str] = {}
    for number in range(1, customers + 1):
        group = rng.choices(PLANTED_GROUPS, weights)[0]
        customer_id = f"AUR-{number:06d}"
        planted[customer_id] = group.key
        gender = "female" if rng.random() < group.women else "male"
        if rng.random() < 0.03:
            gender = "other"
        age = rng.randint(*group.ages)
        residence = rng.choice(REGIONS)
        birthplace = residence if rng.random() < 0.7 else rng.choice(BIRTHPLACES)
        own = [(c, s) for c, subs in group.reasons.items() for s in subs]
        for _ in range(2 + min(int(rng.expovariate(1 / 3)), 12)):
            category, subcategory = rng.choice(own if rng.random() < focus else all_reasons)
            channel = rng.choice(group.channels if rng.random() < focus else DEMO_CHANNELS)
            contacts.append(
                DemoContact(
                    customer_id=customer_id,
                    contact_date=FIRST_DAY + timedelta(days=rng.randrange(DAYS)),
                    category=category,
                    subcategory=subcategory,
                    channel=channel,
                    gender=gender,
                    age=age,
                    residence=residence,
                    birthplace=birthplace,
                )
            )
    return contacts, planted


# How the facilitator refined the drafted personas in the demo (keyed by the category that
# over-indexes in the segment), with one service protocol each. The name follows the gender the
# draft found in the segment's evidence (`names`, keyed like the contacts' gender), so a
# persona is never "Sofia" and male; a segment with neither gets the role alone.
DEMO_PROFILES: dict[str, dict] = {
    "Complaints": {
        "names": {"female": "Giulia, the careful caller", "male": "Giorgio, the careful caller"},
        "role": "The careful caller",
        "quote": "I have bought your water for thirty years. I want someone to listen.",
        "desires": ["To be recognised as a loyal customer", "A follow-up call when it is solved"],
        "frustrations": ["Repeating the batch code to three people", "No news after the call"],
        "protocol": {
            "reason": "Complaints",
            "tone": "Warm, patient, personal",
            "preferred_channel": "Phone",
            "target_response_minutes": 240,
            "script": "Thank them for their loyalty, take the batch code once, promise a call-back "
            "with the quality team's answer within two working days.",
        },
    },
    "E-commerce": {
        "names": {"female": "Marta, the online regular", "male": "Marco, the online regular"},
        "role": "The online regular",
        "quote": "Just tell me where my order is.",
        "desires": ["Tracking without asking", "Refunds in one click"],
        "frustrations": ["Chat agents without access to the order", "Damaged parcels"],
        "protocol": {
            "reason": "E-commerce",
            "tone": "Quick and factual",
            "preferred_channel": "Live chat",
            "target_response_minutes": 15,
            "script": "Open with the order status; offer a replacement or refund before they ask.",
        },
    },
    "Promotions": {
        "names": {"female": "Sofia, the prize hunter", "male": "Matteo, the prize hunter"},
        "role": "The prize hunter",
        "quote": "The code on the cap did not work!!",
        "desires": ["Instant confirmation of prizes"],
        "frustrations": ["Unclear promotion rules", "Waiting days for an answer on Instagram"],
        "protocol": {
            "reason": "Promotions",
            "tone": "Friendly, informal, fast",
            "preferred_channel": "WhatsApp",
            "target_response_minutes": 60,
            "script": "Check the code while chatting, link the rules, confirm the prize.",
        },
    },
    "Information requests": {
        "names": {"female": "Elena, the label reader", "male": "Enrico, the label reader"},
        "role": "The label reader",
        "quote": "Is it safe for my son's allergy?",
        "desires": ["Complete ingredient information online"],
        "frustrations": ["Generic answers", "Having to write twice"],
        "protocol": {
            "reason": "Information requests",
            "tone": "Precise and reassuring",
            "preferred_channel": "E-mail",
            "target_response_minutes": 1440,
            "script": "Answer with the full allergen sheet and the quality team's contact.",
        },
    },
    "Feedback": {
        "names": {"female": "Lucia, the brand fan", "male": "Luca, the brand fan"},
        "role": "The brand fan",
        "quote": "Loved the new bottle, you should do a sparkling one!",
        "desires": ["To be heard and thanked publicly"],
        "frustrations": ["Suggestions that vanish"],
        "protocol": {
            "reason": "Feedback",
            "tone": "Enthusiastic",
            "preferred_channel": "Social media (Instagram/Facebook)",
            "target_response_minutes": 120,
            "script": "Thank them publicly, pass the idea to trade marketing, tell them you did.",
        },
    },
}


def demo_name(profile: dict, gender: str) -> str:
    """The demo persona's name for a segment whose customers are mostly of `gender`."""
    return profile["names"].get(gender) or profile["role"]
