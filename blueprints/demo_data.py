"""Content of the demo workspace loaded by `python manage.py seed_demo`.

Plain data only (no Django imports), so it can be read, diffed and extended without the
project running. The story: a large beverage maker repositions its consumer-service centre and
maps, team by team, how consumer contacts flow through the company (see DESIGN.md).

Layout, every name being the natural key the command looks things up by:

- WORKSPACE: name, client, description.
- USERS: username, names, e-mail, workspace role, teams (by name).
- TEAMS: team names.
- CHANNELS: name, kind (phone, email, web_form, chat, social, store, other).
- ACTORS: name, description.
- BLUEPRINTS: one team blueprint per team, each with
  - phases: column names, left to right;
  - lanes: key (local to the blueprint), name, band, actor (by name or None),
    name_translations; lanes are stored in canonical band order, keeping this order inside a band;
  - steps: key (local to the blueprint), lane (lane key), phase (phase name), title,
    description, kind, and optionally channel (by name), actor (by name; defaults to the lane's
    actor), emotion (-2..2, customer steps), evidence (observed/assumed/proposed, default
    observed), data_captured, data_recorded_in, data_stage (planned/collected/recorded/
    synthesised/communicated); steps of one cell keep their order here;
  - links: source and target (step keys), kind (handoff/information/trigger/dependency), label.

Still to come as their models land: contact-reason taxonomy, contacts, personas, protocols and
a workshop. Add them as further top-level constants (e.g. CONTACT_REASONS, PERSONAS, WORKSHOPS)
and a matching seeding step in the command.
"""

PASSWORD = "frontstage"

WORKSPACE = {
    "name": "Aurora Beverages — Consumer Service Centre repositioning",
    "client": "Aurora Beverages Group",
    "description": (
        "Aurora Beverages (soft drinks, juices and mineral water in Spain, Italy, Portugal and "
        "Brazil) wants its Consumer Service Centre to become a source of consumer insight instead "
        "of a complaints desk. Five teams map how consumer contacts reach them, what happens "
        "backstage and which consumer data they collect, then merge their maps into one global "
        "blueprint and derive personas from two years of CRM contacts."
    ),
}

CSC = "Consumer Service Centre"
QUALITY = "Quality"
TRADE = "Trade Marketing & Promotions"
ECOMMERCE = "E-commerce"
LEGAL = "Legal"

TEAMS = [CSC, QUALITY, TRADE, ECOMMERCE, LEGAL]

USERS = [
    {
        "username": "facilitator",
        "first_name": "Marta",
        "last_name": "Oliveira",
        "email": "marta.oliveira@example.com",
        "role": "facilitator",
        "teams": [],
    },
    {
        "username": "participant",
        "first_name": "Lucía",
        "last_name": "Fernández",
        "email": "lucia.fernandez@example.com",
        "role": "participant",
        "teams": [CSC],
    },
    {
        # A second member of the service-centre team: two people to try co-editing with.
        "username": "participant3",
        "first_name": "Tomás",
        "last_name": "Pereira",
        "email": "tomas.pereira@example.com",
        "role": "participant",
        "teams": [CSC],
    },
    {
        "username": "participant2",
        "first_name": "Giulia",
        "last_name": "Romano",
        "email": "giulia.romano@example.com",
        "role": "participant",
        "teams": [QUALITY],
    },
    {
        "username": "manager",
        "first_name": "Ricardo",
        "last_name": "Almeida",
        "email": "ricardo.almeida@example.com",
        "role": "manager",
        "teams": [],
    },
]

PHONE = "Phone"
EMAIL = "E-mail"
WEB_FORM = "Web form"
WHATSAPP = "WhatsApp"
LIVE_CHAT = "Live chat"
SOCIAL = "Social media (Instagram/Facebook)"
STORE = "Store / retailer"
POST = "Post"

CHANNELS = [
    {"name": PHONE, "kind": "phone"},
    {"name": EMAIL, "kind": "email"},
    {"name": WEB_FORM, "kind": "web_form"},
    {"name": WHATSAPP, "kind": "chat"},
    {"name": LIVE_CHAT, "kind": "chat"},
    {"name": SOCIAL, "kind": "social"},
    {"name": STORE, "kind": "store"},
    {"name": POST, "kind": "other"},
]

CONSUMER = "Consumer"
AGENT = "Call-centre agent"
BACK_OFFICE = "Back-office agent"
TEAM_LEADER = "Service centre team leader"
QUALITY_ANALYST = "Quality analyst"
LABORATORY = "Laboratory"
PLANT_QUALITY = "Plant quality manager"
TRADE_SPECIALIST = "Trade marketing specialist"
AGENCY = "Promotions agency"
SOCIAL_MODERATOR = "Social media moderator"
ECOMMERCE_MANAGER = "E-commerce manager"
CHATBOT = "Chatbot"
LOGISTICS = "Logistics partner"
CRM = "CRM system"
QMS = "Quality management system"
PROMO_PLATFORM = "Promotion platform"
SHOP_PLATFORM = "Online shop platform"
LEGAL_COUNSEL = "Legal counsel"
DPO = "Data protection officer"

ACTORS = [
    {"name": CONSUMER, "description": "Someone who bought or drank an Aurora product."},
    {
        "name": AGENT,
        "description": "Answers phone, e-mail, web-form, WhatsApp and chat contacts first.",
    },
    {
        "name": BACK_OFFICE,
        "description": "Handles vouchers, refunds and cases that need more than one contact.",
    },
    {
        "name": TEAM_LEADER,
        "description": "Leads a shift of agents, takes escalations and watches queue levels.",
    },
    {
        "name": QUALITY_ANALYST,
        "description": "Investigates product complaints and decides on laboratory analysis.",
    },
    {"name": LABORATORY, "description": "Central laboratory analysing returned samples."},
    {
        "name": PLANT_QUALITY,
        "description": "Quality manager of a bottling plant; owns line records and fixes.",
    },
    {
        "name": TRADE_SPECIALIST,
        "description": "Plans on-pack promotions and in-store activations with retailers.",
    },
    {
        "name": AGENCY,
        "description": "External agency running promotion microsites, codes and prize draws.",
    },
    {
        "name": SOCIAL_MODERATOR,
        "description": "Answers comments and private messages on the brands' social accounts.",
    },
    {
        "name": ECOMMERCE_MANAGER,
        "description": "Runs the direct-to-consumer online shop and its carriers.",
    },
    {"name": CHATBOT, "description": "First-line bot on the online shop's live chat."},
    {
        "name": LOGISTICS,
        "description": "Courier collecting samples, delivering prizes and online orders.",
    },
    {"name": CRM, "description": "Case and consumer records of the service centre."},
    {"name": QMS, "description": "Quality management system holding complaints and CAPAs."},
    {"name": PROMO_PLATFORM, "description": "Code validation and entry database of promotions."},
    {"name": SHOP_PLATFORM, "description": "Orders, subscriptions, payments and refunds."},
    {
        "name": LEGAL_COUNSEL,
        "description": "In-house lawyer for injury claims and consumer disputes.",
    },
    {
        "name": DPO,
        "description": "Handles personal-data requests under GDPR and the Brazilian LGPD.",
    },
]

# Lanes that appear in several blueprints, with their translated display names.
EVIDENCE_LANE = {
    "key": "evidence",
    "name": "Physical evidence",
    "band": "evidence",
    "actor": None,
    "name_translations": {
        "es": "Evidencia física",
        "it": "Evidenze fisiche",
        "pt-br": "Evidências físicas",
    },
}
CONSUMER_LANE = {
    "key": "consumer",
    "name": "Consumer",
    "band": "customer",
    "actor": CONSUMER,
    "name_translations": {"es": "Consumidor", "it": "Consumatore", "pt-br": "Consumidor"},
}
AGENT_LANE = {
    "key": "agent",
    "name": "Call-centre agent",
    "band": "frontstage",
    "actor": AGENT,
    "name_translations": {
        "es": "Agente del centro de atención",
        "it": "Operatore del call center",
        "pt-br": "Atendente da central",
    },
}
QUALITY_LANE = {
    "key": "quality",
    "name": "Quality analyst",
    "band": "backstage",
    "actor": QUALITY_ANALYST,
    "name_translations": {
        "es": "Analista de calidad",
        "it": "Analista qualità",
        "pt-br": "Analista de qualidade",
    },
}
LOGISTICS_LANE = {
    "key": "logistics",
    "name": "Logistics partner",
    "band": "support",
    "actor": LOGISTICS,
    "name_translations": {
        "es": "Operador logístico",
        "it": "Partner logistico",
        "pt-br": "Parceiro logístico",
    },
}
CRM_LANE = {
    "key": "crm",
    "name": "CRM system",
    "band": "support",
    "actor": CRM,
    "name_translations": {},
}

SERVICE_CENTRE_BLUEPRINT = {
    "title": "Consumer Service Centre — handling a product complaint",
    "team": CSC,
    "description": (
        "How a consumer contact reaches the service centre, from the careline number on the "
        "label to the closed case, as the agents and team leaders described it in the first "
        "workshop."
    ),
    "phases": ["Contact", "Identification & triage", "Resolution", "Follow-up", "Closure"],
    "lanes": [
        EVIDENCE_LANE,
        CONSUMER_LANE,
        AGENT_LANE,
        {
            "key": "backoffice",
            "name": "Back-office agent",
            "band": "backstage",
            "actor": BACK_OFFICE,
            "name_translations": {
                "es": "Agente de back-office",
                "it": "Operatore di back office",
                "pt-br": "Agente de retaguarda",
            },
        },
        QUALITY_LANE,
        CRM_LANE,
        LOGISTICS_LANE,
    ],
    "steps": [
        {
            "key": "label",
            "lane": "evidence",
            "phase": "Contact",
            "title": "Careline number on the label",
            "description": "Free-phone number and web address printed on every bottle and can.",
            "kind": "touchpoint",
            "channel": PHONE,
        },
        {
            "key": "notices",
            "lane": "consumer",
            "phase": "Contact",
            "title": "Notices an off taste and looks for help",
            "description": (
                "A bottle of sparkling orange tastes flat and slightly metallic; the consumer "
                "keeps the bottle and calls the number on the label."
            ),
            "kind": "action",
            "emotion": -1,
        },
        {
            "key": "queue",
            "lane": "consumer",
            "phase": "Contact",
            "title": "Waits in the phone queue",
            "description": (
                "After 18:00 waits reach 8–12 minutes; about one caller in five hangs up before "
                "an agent answers and never calls back."
            ),
            "kind": "pain_point",
            "channel": PHONE,
            "emotion": -2,
        },
        {
            "key": "greets",
            "lane": "agent",
            "phase": "Contact",
            "title": "Greets the consumer and opens a case",
            "description": "The agent searches the consumer by phone number or creates a record.",
            "kind": "action",
            "channel": PHONE,
            "data_captured": "Name, phone number, e-mail, preferred language",
            "data_recorded_in": "CRM case",
            "data_stage": "collected",
        },
        {
            "key": "history",
            "lane": "crm",
            "phase": "Contact",
            "title": "Shows the consumer's contact history",
            "description": "Previous cases and consent flags appear only if the phone matches.",
            "kind": "data",
            "data_captured": "Previous cases, channels used, marketing consent",
            "data_recorded_in": "CRM consumer record",
            "data_stage": "recorded",
        },
        {
            "key": "batchcode",
            "lane": "consumer",
            "phase": "Identification & triage",
            "title": "Struggles to find the batch code",
            "description": (
                "The agent asks for the batch code and best-before date; the print on the "
                "bottle neck is tiny and often smudged."
            ),
            "kind": "pain_point",
            "channel": PHONE,
            "emotion": -1,
        },
        {
            "key": "classifies",
            "lane": "agent",
            "phase": "Identification & triage",
            "title": "Classifies the contact reason",
            "description": (
                "The agent picks one of 40 reasons in a drop-down and records the product "
                "details read out by the consumer."
            ),
            "kind": "data",
            "channel": PHONE,
            "data_captured": (
                "Contact reason and subcategory, product SKU, batch code, best-before date, "
                "store and date of purchase"
            ),
            "data_recorded_in": "CRM case",
            "data_stage": "recorded",
        },
        {
            "key": "ambiguous",
            "lane": "agent",
            "phase": "Identification & triage",
            "title": "Reason categories are ambiguous",
            "description": (
                "The same flat drink is filed as 'Taste', 'Carbonation' or 'Quality – other' "
                "depending on the agent, so monthly reports disagree with Quality's figures."
            ),
            "kind": "pain_point",
        },
        {
            "key": "escalation",
            "lane": "backoffice",
            "phase": "Identification & triage",
            "title": "Team leader reviews sensitive cases",
            "description": (
                "Cases mentioning injury, illness or the press go to the shift team leader "
                "before anything is promised to the consumer."
            ),
            "kind": "action",
            "actor": TEAM_LEADER,
            "evidence": "assumed",
        },
        {
            "key": "complaint",
            "lane": "agent",
            "phase": "Resolution",
            "title": "Registers the complaint and asks for a sample",
            "description": (
                "The agent explains that Quality will analyse the bottle and books a courier "
                "pickup; photos can be sent by e-mail."
            ),
            "kind": "action",
            "channel": PHONE,
            "data_captured": "Complaint description, photos, sample availability, pickup address",
            "data_recorded_in": "CRM case",
            "data_stage": "collected",
        },
        {
            "key": "assess",
            "lane": "quality",
            "phase": "Resolution",
            "title": "Assesses the complaint and decides on analysis",
            "description": (
                "The quality analyst checks severity and whether the batch already has "
                "complaints, then decides between laboratory analysis and a standard reply."
            ),
            "kind": "action",
            "data_captured": "Batch code, production line, severity",
            "data_recorded_in": "Quality management system (QMS)",
            "data_stage": "synthesised",
        },
        {
            "key": "voucher",
            "lane": "backoffice",
            "phase": "Resolution",
            "title": "Issues a replacement voucher",
            "description": "A voucher worth two packs is posted with a standard apology letter.",
            "kind": "action",
            "channel": POST,
            "data_captured": "Postal address, voucher number, value",
            "data_recorded_in": "Voucher register (shared spreadsheet)",
            "data_stage": "recorded",
        },
        {
            "key": "pickup",
            "lane": "logistics",
            "phase": "Resolution",
            "title": "Collects the sample at the consumer's home",
            "description": "The courier receives name, address and time slot from the agent.",
            "kind": "action",
            "data_captured": "Name, pickup address, phone number, time slot",
            "data_recorded_in": "Courier booking portal",
            "data_stage": "communicated",
        },
        {
            "key": "letter",
            "lane": "evidence",
            "phase": "Resolution",
            "title": "Apology letter and replacement voucher",
            "description": "Printed letter signed by the service centre, voucher attached.",
            "kind": "touchpoint",
            "channel": POST,
        },
        {
            "key": "receives",
            "lane": "consumer",
            "phase": "Resolution",
            "title": "Receives the voucher by post",
            "description": "Arrives after 7–10 days; consumers appreciate it but find it slow.",
            "kind": "touchpoint",
            "channel": POST,
            "emotion": 1,
        },
        {
            "key": "waits",
            "lane": "consumer",
            "phase": "Follow-up",
            "title": "Hears nothing for weeks and calls again",
            "description": (
                "Laboratory results take 3–5 weeks; many consumers call to ask for news, "
                "which opens a duplicate case."
            ),
            "kind": "pain_point",
            "channel": PHONE,
            "emotion": -2,
        },
        {
            "key": "callback",
            "lane": "agent",
            "phase": "Follow-up",
            "title": "Calls the consumer back with the result",
            "description": "The agent reads out the explanation approved by Quality.",
            "kind": "action",
            "channel": PHONE,
            "data_captured": "Result summary, consumer reaction",
            "data_recorded_in": "CRM case",
            "data_stage": "communicated",
        },
        {
            "key": "whatsapp",
            "lane": "agent",
            "phase": "Follow-up",
            "title": "Proactive status updates on WhatsApp",
            "description": (
                "Send the case reference and a message at each stage (sample received, "
                "analysed, answered) to cut repeat calls."
            ),
            "kind": "opportunity",
            "channel": WHATSAPP,
            "evidence": "proposed",
            "data_captured": "WhatsApp number, messaging consent",
            "data_recorded_in": "CRM consumer record",
            "data_stage": "planned",
        },
        {
            "key": "survey",
            "lane": "consumer",
            "phase": "Closure",
            "title": "Answers a one-question satisfaction survey",
            "description": "E-mail survey sent when the case closes; one in eight replies.",
            "kind": "touchpoint",
            "channel": EMAIL,
            "emotion": 1,
        },
        {
            "key": "close",
            "lane": "agent",
            "phase": "Closure",
            "title": "Closes the case with a resolution code",
            "description": "Resolution codes are free text in two countries and a list in two.",
            "kind": "data",
            "data_captured": "Resolution code, compensation given, satisfaction score",
            "data_recorded_in": "CRM case",
            "data_stage": "recorded",
        },
        {
            "key": "report",
            "lane": "crm",
            "phase": "Closure",
            "title": "Weekly complaint report",
            "description": "Exported to Quality and Marketing every Monday as a spreadsheet.",
            "kind": "data",
            "data_captured": "Complaints by reason, product, batch and region",
            "data_recorded_in": "BI dashboard",
            "data_stage": "synthesised",
        },
        {
            "key": "taxonomy",
            "lane": "backoffice",
            "phase": "Closure",
            "title": "One contact-reason taxonomy shared with Quality",
            "description": (
                "Agree one category and subcategory list with Quality and Marketing so the "
                "figures match and contacts can be clustered into personas."
            ),
            "kind": "opportunity",
            "evidence": "proposed",
            "data_stage": "planned",
            "data_captured": "Contact reason and subcategory",
            "data_recorded_in": "CRM case",
        },
    ],
    "links": [
        {"source": "notices", "target": "greets", "kind": "trigger", "label": "Careline call"},
        {"source": "greets", "target": "history", "kind": "information", "label": "Lookup"},
        {
            "source": "complaint",
            "target": "assess",
            "kind": "handoff",
            "label": "Complaint and sample request",
        },
        {"source": "complaint", "target": "voucher", "kind": "handoff", "label": "Voucher request"},
        {"source": "complaint", "target": "pickup", "kind": "trigger", "label": "Pickup booking"},
        {"source": "voucher", "target": "receives", "kind": "trigger", "label": ""},
        {"source": "assess", "target": "callback", "kind": "information", "label": "Lab result"},
        {
            "source": "classifies",
            "target": "escalation",
            "kind": "handoff",
            "label": "Sensitive case",
        },
        {"source": "close", "target": "report", "kind": "dependency", "label": ""},
    ],
}

QUALITY_BLUEPRINT = {
    "title": "Quality — investigating a product complaint",
    "team": QUALITY,
    "description": (
        "What happens after the service centre forwards a product complaint: sample, laboratory "
        "analysis, root cause at the plant and the answer the consumer finally receives."
    ),
    "phases": ["Intake", "Sample & analysis", "Root cause", "Response", "Prevention"],
    "lanes": [
        EVIDENCE_LANE,
        CONSUMER_LANE,
        {**AGENT_LANE, "name": "Service centre agent"},
        QUALITY_LANE,
        {
            "key": "lab",
            "name": "Laboratory",
            "band": "backstage",
            "actor": LABORATORY,
            "name_translations": {"es": "Laboratorio", "it": "Laboratorio", "pt-br": "Laboratório"},
        },
        {
            "key": "plant",
            "name": "Plant quality manager",
            "band": "backstage",
            "actor": PLANT_QUALITY,
            "name_translations": {},
        },
        {"key": "qms", "name": "QMS", "band": "support", "actor": QMS, "name_translations": {}},
        LOGISTICS_LANE,
    ],
    "steps": [
        {
            "key": "reports",
            "lane": "consumer",
            "phase": "Intake",
            "title": "Reports a foreign body in a can",
            "description": "Fills in the web form and attaches two photos of a dark particle.",
            "kind": "touchpoint",
            "channel": WEB_FORM,
            "emotion": -2,
            "data_captured": "Photos, batch code, store of purchase, description",
            "data_recorded_in": "CRM case",
            "data_stage": "collected",
        },
        {
            "key": "forwards",
            "lane": "agent",
            "phase": "Intake",
            "title": "Forwards the complaint to Quality",
            "description": (
                "CRM and QMS are not connected: the agent copies the case into an e-mail to "
                "the quality mailbox."
            ),
            "kind": "action",
            "channel": EMAIL,
            "data_captured": "Case number, consumer contact, product details, photos",
            "data_recorded_in": "Quality mailbox",
            "data_stage": "communicated",
        },
        {
            "key": "registers",
            "lane": "quality",
            "phase": "Intake",
            "title": "Registers the complaint in the QMS",
            "description": "The analyst re-types the case and assigns a severity.",
            "kind": "data",
            "data_captured": "Batch code, SKU, plant, defect type, severity",
            "data_recorded_in": "Quality management system (QMS)",
            "data_stage": "recorded",
        },
        {
            "key": "retyping",
            "lane": "quality",
            "phase": "Intake",
            "title": "Double data entry between CRM and QMS",
            "description": "Around 6% of batch codes are mistyped, so cases reach the wrong plant.",
            "kind": "pain_point",
        },
        {
            "key": "kit",
            "lane": "evidence",
            "phase": "Sample & analysis",
            "title": "Prepaid sample return kit",
            "description": "Padded bag, cool pack and a label with the case reference.",
            "kind": "touchpoint",
        },
        {
            "key": "handsover",
            "lane": "consumer",
            "phase": "Sample & analysis",
            "title": "Hands the can to the courier",
            "description": "Consumers must stay at home for a four-hour pickup window.",
            "kind": "action",
            "emotion": -1,
        },
        {
            "key": "ships",
            "lane": "logistics",
            "phase": "Sample & analysis",
            "title": "Collects and ships the sample",
            "description": "Samples travel chilled to the central laboratory within 48 hours.",
            "kind": "action",
            "data_captured": "Name, pickup address, phone number",
            "data_recorded_in": "Courier booking portal",
            "data_stage": "communicated",
        },
        {
            "key": "analyses",
            "lane": "lab",
            "phase": "Sample & analysis",
            "title": "Analyses the sample",
            "description": "Microscopy and chemical analysis of the particle and the liquid.",
            "kind": "action",
            "data_captured": "Findings, photos, analysis method",
            "data_recorded_in": "Laboratory information system (LIMS)",
            "data_stage": "recorded",
        },
        {
            "key": "retain",
            "lane": "lab",
            "phase": "Root cause",
            "title": "Compares with the retained batch sample",
            "description": "Each batch keeps retained cans for 18 months at the plant.",
            "kind": "action",
        },
        {
            "key": "linerecords",
            "lane": "plant",
            "phase": "Root cause",
            "title": "Checks the line records of the batch",
            "description": "Filler, seamer and critical-control-point logs of the shift.",
            "kind": "action",
            "data_captured": "Line, shift, filler head, CCP readings",
            "data_recorded_in": "Plant manufacturing execution system",
            "data_stage": "synthesised",
        },
        {
            "key": "rootcause",
            "lane": "quality",
            "phase": "Root cause",
            "title": "Classifies root cause and risk",
            "description": "Decides whether the case is isolated or needs a corrective action.",
            "kind": "data",
            "data_captured": "Root cause, risk level, similar complaints for the batch",
            "data_recorded_in": "Quality management system (QMS)",
            "data_stage": "synthesised",
        },
        {
            "key": "clusters",
            "lane": "qms",
            "phase": "Root cause",
            "title": "Cluster complaints by batch automatically",
            "description": "Flag a batch when three similar complaints arrive in a week.",
            "kind": "opportunity",
            "evidence": "proposed",
            "data_stage": "planned",
            "data_captured": "Batch code, defect type, complaint date",
            "data_recorded_in": "Quality management system (QMS)",
        },
        {
            "key": "drafts",
            "lane": "quality",
            "phase": "Response",
            "title": "Drafts the explanation for the consumer",
            "description": "Plain-language summary of the finding, reviewed by Legal if needed.",
            "kind": "action",
            "data_stage": "communicated",
            "data_captured": "Finding summary",
            "data_recorded_in": "Quality management system (QMS)",
        },
        {
            "key": "explains",
            "lane": "agent",
            "phase": "Response",
            "title": "Explains the result to the consumer",
            "description": "By phone when the consumer left a number, otherwise by e-mail.",
            "kind": "action",
            "channel": PHONE,
        },
        {
            # The service centre maps the same moment: the merge makes one card of the two and
            # lists the emotion the teams disagree on.
            "key": "waits",
            "lane": "consumer",
            "phase": "Response",
            "title": "Hears nothing for weeks and calls again",
            "description": "Quality sees the repeat calls as new cases in the complaint log.",
            "kind": "pain_point",
            "channel": PHONE,
            "emotion": -1,
        },
        {
            "key": "technical",
            "lane": "consumer",
            "phase": "Response",
            "title": "Finds the answer technical and defensive",
            "description": "'Cellulose fibre, harmless' reassures few; consumers want an apology.",
            "kind": "pain_point",
            "emotion": -1,
        },
        {
            "key": "resultletter",
            "lane": "evidence",
            "phase": "Response",
            "title": "Result letter with laboratory summary",
            "description": "Sent with a voucher when the complaint is confirmed.",
            "kind": "touchpoint",
            "channel": EMAIL,
        },
        {
            "key": "capa",
            "lane": "plant",
            "phase": "Prevention",
            "title": "Adjusts the filler cleaning plan",
            "description": "Corrective and preventive action recorded with a due date.",
            "kind": "action",
        },
        {
            "key": "trends",
            "lane": "quality",
            "phase": "Prevention",
            "title": "Monthly trend review with the service centre",
            "description": "Top complaint reasons by product and plant, shared with team leaders.",
            "kind": "data",
            "data_captured": "Complaints by reason, product, plant and month",
            "data_recorded_in": "BI dashboard",
            "data_stage": "synthesised",
        },
        {
            "key": "scripts",
            "lane": "agent",
            "phase": "Prevention",
            "title": "Updates the agent script with known issues",
            "description": "Agents can reassure callers at once when a batch is already known.",
            "kind": "opportunity",
            "evidence": "proposed",
        },
    ],
    "links": [
        {"source": "reports", "target": "forwards", "kind": "trigger", "label": ""},
        {
            "source": "forwards",
            "target": "registers",
            "kind": "handoff",
            "label": "Complaint e-mail",
        },
        {"source": "registers", "target": "ships", "kind": "trigger", "label": "Pickup order"},
        {"source": "ships", "target": "analyses", "kind": "handoff", "label": "Sample"},
        {"source": "retain", "target": "rootcause", "kind": "information", "label": "Lab report"},
        {
            "source": "linerecords",
            "target": "rootcause",
            "kind": "information",
            "label": "Line records",
        },
        {"source": "rootcause", "target": "capa", "kind": "handoff", "label": "Corrective action"},
        {
            "source": "drafts",
            "target": "explains",
            "kind": "information",
            "label": "Approved explanation",
        },
        {"source": "trends", "target": "scripts", "kind": "information", "label": "Known issues"},
        {"source": "analyses", "target": "retain", "kind": "dependency", "label": ""},
    ],
}

TRADE_BLUEPRINT = {
    "title": "Trade Marketing & Promotions — on-pack promotion enquiries",
    "team": TRADE,
    "description": (
        "The 'Summer Sounds' under-the-cap promotion: from the neck hanger in the store to the "
        "prize at the door, and every contact it creates for the service centre."
    ),
    "phases": ["Discover", "Participate", "Query", "Prize fulfilment", "Wrap-up"],
    "lanes": [
        EVIDENCE_LANE,
        CONSUMER_LANE,
        {
            "key": "social",
            "name": "Social media moderator",
            "band": "frontstage",
            "actor": SOCIAL_MODERATOR,
            "name_translations": {
                "es": "Moderador de redes sociales",
                "it": "Moderatore social",
                "pt-br": "Moderador de redes sociais",
            },
        },
        AGENT_LANE,
        {
            "key": "trade",
            "name": "Trade marketing specialist",
            "band": "backstage",
            "actor": TRADE_SPECIALIST,
            "name_translations": {},
        },
        {
            "key": "agency",
            "name": "Promotions agency",
            "band": "backstage",
            "actor": AGENCY,
            "name_translations": {},
        },
        {
            "key": "platform",
            "name": "Promotion platform",
            "band": "support",
            "actor": PROMO_PLATFORM,
            "name_translations": {},
        },
        LOGISTICS_LANE,
    ],
    "steps": [
        {
            "key": "hanger",
            "lane": "evidence",
            "phase": "Discover",
            "title": "Neck hanger and code under the cap",
            "description": "Win one of 500 speakers; every cap carries a 10-character code.",
            "kind": "touchpoint",
            "channel": STORE,
        },
        {
            "key": "sees",
            "lane": "consumer",
            "phase": "Discover",
            "title": "Sees the promotion in the supermarket",
            "description": "Buys a six-pack of lemon soda partly because of the speaker prize.",
            "kind": "touchpoint",
            "channel": STORE,
            "emotion": 1,
        },
        {
            "key": "briefing",
            "lane": "trade",
            "phase": "Discover",
            "title": "Briefs the service centre before launch",
            "description": "Terms, FAQ and prize list, sent to team leaders by e-mail.",
            "kind": "action",
            "channel": EMAIL,
        },
        {
            "key": "latebrief",
            "lane": "trade",
            "phase": "Discover",
            "title": "Briefing arrives the day before launch",
            "description": "Agents meet the first questions before they have read the terms.",
            "kind": "pain_point",
        },
        {
            "key": "enters",
            "lane": "consumer",
            "phase": "Participate",
            "title": "Enters the code on the microsite",
            "description": "Registration asks for an account before the code can be checked.",
            "kind": "action",
            "channel": WEB_FORM,
            "data_captured": "Name, e-mail, date of birth, code, marketing consent",
            "data_recorded_in": "Promotion platform",
            "data_stage": "collected",
        },
        {
            "key": "validates",
            "lane": "platform",
            "phase": "Participate",
            "title": "Validates the code and the entrant's age",
            "description": "Under-18s are refused; each code can be used once.",
            "kind": "data",
            "data_captured": "Code, entry time, IP address, age check result",
            "data_recorded_in": "Promotion platform",
            "data_stage": "recorded",
        },
        {
            "key": "confirmation",
            "lane": "evidence",
            "phase": "Participate",
            "title": "Confirmation e-mail with the draw date",
            "description": "Sent by the agency from a domain consumers do not recognise.",
            "kind": "touchpoint",
            "channel": EMAIL,
        },
        {
            "key": "rejected",
            "lane": "consumer",
            "phase": "Query",
            "title": "Code rejected as already used",
            "description": "Misprinted caps and typing errors produce most rejections.",
            "kind": "pain_point",
            "channel": WEB_FORM,
            "emotion": -2,
        },
        {
            "key": "public",
            "lane": "consumer",
            "phase": "Query",
            "title": "Complains publicly on Instagram",
            "description": "Comments under the promotion post, tagging the brand.",
            "kind": "action",
            "channel": SOCIAL,
            "emotion": -2,
        },
        {
            "key": "dm",
            "lane": "social",
            "phase": "Query",
            "title": "Replies and moves the conversation to private messages",
            "description": "Asks for a photo of the cap and the registered e-mail.",
            "kind": "action",
            "channel": SOCIAL,
            "data_captured": "Instagram handle, cap photo, registered e-mail",
            "data_recorded_in": "Social inbox tool",
            "data_stage": "collected",
        },
        {
            "key": "checks",
            "lane": "agent",
            "phase": "Query",
            "title": "Cannot see the code status",
            "description": (
                "Agents have no access to the promotion platform; they e-mail the agency and "
                "the consumer waits about 48 hours."
            ),
            "kind": "pain_point",
            "channel": PHONE,
        },
        {
            "key": "investigates",
            "lane": "agency",
            "phase": "Query",
            "title": "Investigates the code",
            "description": "Checks the entry log and reissues a code when the cap was misprinted.",
            "kind": "action",
            "data_captured": "Code log, entry timestamps, IP address",
            "data_recorded_in": "Promotion platform",
            "data_stage": "synthesised",
        },
        {
            "key": "winners",
            "lane": "agency",
            "phase": "Prize fulfilment",
            "title": "Confirms winners and orders deliveries",
            "description": "Winners confirm their address within 14 days or lose the prize.",
            "kind": "action",
            "channel": EMAIL,
            "data_captured": "Winner name, delivery address, phone number",
            "data_recorded_in": "Winners list (spreadsheet)",
            "data_stage": "communicated",
        },
        {
            "key": "delivers",
            "lane": "logistics",
            "phase": "Prize fulfilment",
            "title": "Delivers the speaker",
            "description": "Signature on delivery; failed deliveries go back to the agency.",
            "kind": "action",
        },
        {
            "key": "prize",
            "lane": "consumer",
            "phase": "Prize fulfilment",
            "title": "Receives the prize",
            "description": "Unboxing posts on social media are the promotion's best advertising.",
            "kind": "touchpoint",
            "emotion": 2,
        },
        {
            "key": "results",
            "lane": "trade",
            "phase": "Wrap-up",
            "title": "Reviews results and contact volume",
            "description": "Entries, winners and service-centre contacts by reason.",
            "kind": "data",
            "data_captured": "Entries, winners, contacts by reason and channel",
            "data_recorded_in": "Promotion report",
            "data_stage": "synthesised",
        },
        {
            "key": "access",
            "lane": "agent",
            "phase": "Wrap-up",
            "title": "Read-only code lookup for agents",
            "description": "Answer code questions in the first contact instead of two days.",
            "kind": "opportunity",
            "evidence": "proposed",
        },
        {
            "key": "retention",
            "lane": "agency",
            "phase": "Wrap-up",
            "title": "Deletes entrant data after the retention period",
            "description": "Terms promise deletion 90 days after the draw; nobody checks it.",
            "kind": "data",
            "evidence": "assumed",
            "data_captured": "Entrant records",
            "data_recorded_in": "Promotion platform",
            "data_stage": "planned",
        },
    ],
    "links": [
        {"source": "briefing", "target": "checks", "kind": "information", "label": "Promotion FAQ"},
        {"source": "enters", "target": "validates", "kind": "trigger", "label": ""},
        {"source": "rejected", "target": "public", "kind": "trigger", "label": ""},
        {"source": "public", "target": "dm", "kind": "trigger", "label": "Brand tagged"},
        {"source": "dm", "target": "checks", "kind": "handoff", "label": "Code query"},
        {
            "source": "checks",
            "target": "investigates",
            "kind": "handoff",
            "label": "E-mail to agency",
        },
        {
            "source": "investigates",
            "target": "checks",
            "kind": "information",
            "label": "Code status",
        },
        {"source": "winners", "target": "delivers", "kind": "handoff", "label": "Delivery list"},
        {"source": "validates", "target": "results", "kind": "information", "label": "Entry data"},
    ],
}

ECOMMERCE_BLUEPRINT = {
    "title": "E-commerce — online shop order and delivery issues",
    "team": ECOMMERCE,
    "description": (
        "A subscription order from the direct-to-consumer shop that arrives damaged, and the "
        "route from the chatbot to a refund."
    ),
    "phases": ["Order", "Delivery", "Issue", "Resolution", "Loyalty"],
    "lanes": [
        EVIDENCE_LANE,
        CONSUMER_LANE,
        {
            "key": "chatbot",
            "name": "Chatbot",
            "band": "frontstage",
            "actor": CHATBOT,
            "name_translations": {},
        },
        AGENT_LANE,
        {
            "key": "backoffice",
            "name": "Back-office agent",
            "band": "backstage",
            "actor": BACK_OFFICE,
            "name_translations": {},
        },
        {
            "key": "ecommerce",
            "name": "E-commerce manager",
            "band": "backstage",
            "actor": ECOMMERCE_MANAGER,
            "name_translations": {
                "es": "Responsable de comercio electrónico",
                "it": "Responsabile e-commerce",
                "pt-br": "Gerente de e-commerce",
            },
        },
        {
            "key": "shop",
            "name": "Online shop platform",
            "band": "support",
            "actor": SHOP_PLATFORM,
            "name_translations": {},
        },
        LOGISTICS_LANE,
    ],
    "steps": [
        {
            "key": "productpage",
            "lane": "evidence",
            "phase": "Order",
            "title": "Product page and order confirmation",
            "description": "Subscription price, delivery days and a confirmation e-mail.",
            "kind": "touchpoint",
            "channel": WEB_FORM,
        },
        {
            "key": "orders",
            "lane": "consumer",
            "phase": "Order",
            "title": "Subscribes to a monthly 24-pack of mineral water",
            "description": "Chooses the subscription for the 15% discount and free delivery.",
            "kind": "action",
            "channel": WEB_FORM,
            "emotion": 1,
            "data_captured": "Name, delivery address, phone, payment token, delivery frequency",
            "data_recorded_in": "Online shop platform",
            "data_stage": "collected",
        },
        {
            "key": "creates",
            "lane": "shop",
            "phase": "Order",
            "title": "Creates the order and schedules deliveries",
            "description": "Orders are not visible in the service centre's CRM.",
            "kind": "data",
            "data_captured": "Order, subscription schedule, payment status",
            "data_recorded_in": "Online shop platform",
            "data_stage": "recorded",
        },
        {
            "key": "ships",
            "lane": "logistics",
            "phase": "Delivery",
            "title": "Picks, packs and ships the order",
            "description": "Shrink-wrapped packs travel in mixed parcels with other shippers.",
            "kind": "action",
            "data_captured": "Name, delivery address, phone number",
            "data_recorded_in": "Carrier system",
            "data_stage": "communicated",
        },
        {
            "key": "tracking",
            "lane": "evidence",
            "phase": "Delivery",
            "title": "Carrier tracking page and SMS",
            "description": "Branded as the carrier, not as Aurora.",
            "kind": "touchpoint",
        },
        {
            "key": "tracks",
            "lane": "consumer",
            "phase": "Delivery",
            "title": "Tracks the parcel",
            "description": "Checks the SMS link twice on delivery day.",
            "kind": "touchpoint",
            "emotion": 0,
        },
        {
            "key": "crushed",
            "lane": "consumer",
            "phase": "Issue",
            "title": "Parcel arrives with crushed and leaking bottles",
            "description": "Four bottles split; the box is wet and the courier has already left.",
            "kind": "pain_point",
            "emotion": -2,
        },
        {
            # Close to the service centre's own card: the merge suggests treating them as one.
            "key": "queue",
            "lane": "consumer",
            "phase": "Issue",
            "title": "Waits in the phone queue again",
            "description": "After the chatbot fails, some shoppers call the careline instead.",
            "kind": "pain_point",
            "channel": PHONE,
            "emotion": -2,
        },
        {
            "key": "asksbot",
            "lane": "consumer",
            "phase": "Issue",
            "title": "Asks the shop chatbot for help",
            "description": "Types 'my order arrived broken' in the live chat.",
            "kind": "action",
            "channel": LIVE_CHAT,
            "emotion": -1,
        },
        {
            "key": "botfails",
            "lane": "chatbot",
            "phase": "Issue",
            "title": "Chatbot cannot handle damaged deliveries",
            "description": "It only knows FAQ answers and replies 'please write to us by e-mail'.",
            "kind": "pain_point",
            "channel": LIVE_CHAT,
        },
        {
            "key": "takesover",
            "lane": "agent",
            "phase": "Issue",
            "title": "Takes over the chat and asks for photos",
            "description": "The agent looks up the order in a second tool, the shop back-office.",
            "kind": "action",
            "channel": LIVE_CHAT,
            "data_captured": "Order number, photos of the damage",
            "data_recorded_in": "CRM case",
            "data_stage": "collected",
        },
        {
            "key": "approves",
            "lane": "backoffice",
            "phase": "Resolution",
            "title": "Approves a refund or a re-shipment",
            "description": "Refunds above €30 need the e-commerce manager's approval.",
            "kind": "action",
        },
        {
            "key": "claim",
            "lane": "ecommerce",
            "phase": "Resolution",
            "title": "Opens a damage claim with the carrier",
            "description": "Claims must be filed within 7 days with photos and proof of delivery.",
            "kind": "action",
            "data_captured": "Order number, photos, proof of delivery",
            "data_recorded_in": "Carrier claims portal",
            "data_stage": "communicated",
        },
        {
            "key": "refund",
            "lane": "shop",
            "phase": "Resolution",
            "title": "Issues the refund",
            "description": "Refund to the original card; the subscription stays active.",
            "kind": "data",
            "data_captured": "Refund amount, reason code",
            "data_recorded_in": "Online shop platform",
            "data_stage": "recorded",
        },
        {
            "key": "refunded",
            "lane": "consumer",
            "phase": "Resolution",
            "title": "Gets the money back in 5–7 days",
            "description": "Relieved, but wonders whether the next delivery will be the same.",
            "kind": "touchpoint",
            "channel": EMAIL,
            "emotion": 0,
        },
        {
            "key": "damagerate",
            "lane": "ecommerce",
            "phase": "Loyalty",
            "title": "Analyses damage rate by carrier and region",
            "description": "Damage claims are 3.4% of glass-bottle orders, 0.6% of cans.",
            "kind": "data",
            "data_captured": "Orders, claims, carrier, region, packaging",
            "data_recorded_in": "BI dashboard",
            "data_stage": "synthesised",
        },
        {
            "key": "credit",
            "lane": "ecommerce",
            "phase": "Loyalty",
            "title": "Automatic goodwill credit on the next delivery",
            "description": "A small credit plus a personal message instead of a bare refund.",
            "kind": "opportunity",
            "evidence": "proposed",
        },
        {
            "key": "keeps",
            "lane": "consumer",
            "phase": "Loyalty",
            "title": "Decides whether to keep the subscription",
            "description": "About a third of subscribers with a damaged delivery cancel.",
            "kind": "action",
            "evidence": "assumed",
            "emotion": -1,
        },
        {
            "key": "photoflow",
            "lane": "chatbot",
            "phase": "Loyalty",
            "title": "Damaged-delivery flow with photo upload",
            "description": "Let the chatbot collect the order number and photos before handover.",
            "kind": "opportunity",
            "channel": LIVE_CHAT,
            "evidence": "proposed",
            "data_captured": "Order number, photos of the damage",
            "data_recorded_in": "CRM case",
            "data_stage": "planned",
        },
    ],
    "links": [
        {"source": "orders", "target": "creates", "kind": "trigger", "label": ""},
        {"source": "creates", "target": "ships", "kind": "handoff", "label": "Shipping order"},
        {"source": "asksbot", "target": "botfails", "kind": "trigger", "label": ""},
        {"source": "botfails", "target": "takesover", "kind": "handoff", "label": "Chat transfer"},
        {"source": "takesover", "target": "approves", "kind": "handoff", "label": "Refund request"},
        {"source": "approves", "target": "refund", "kind": "trigger", "label": ""},
        {
            "source": "approves",
            "target": "claim",
            "kind": "information",
            "label": "Damaged order details",
        },
        {"source": "refund", "target": "refunded", "kind": "information", "label": "Refund e-mail"},
        {"source": "claim", "target": "damagerate", "kind": "dependency", "label": ""},
    ],
}

LEGAL_BLUEPRINT = {
    "title": "Legal — injury claims and personal-data requests",
    "team": LEGAL,
    "description": (
        "Contacts that become legal matters: a consumer claiming an injury and a consumer "
        "asking for a copy of their personal data."
    ),
    "phases": ["Request", "Assessment", "Response", "Record"],
    "lanes": [
        EVIDENCE_LANE,
        CONSUMER_LANE,
        AGENT_LANE,
        {
            "key": "legal",
            "name": "Legal counsel",
            "band": "backstage",
            "actor": LEGAL_COUNSEL,
            "name_translations": {
                "es": "Asesoría jurídica",
                "it": "Ufficio legale",
                "pt-br": "Jurídico",
            },
        },
        {
            "key": "dpo",
            "name": "Data protection officer",
            "band": "backstage",
            "actor": DPO,
            "name_translations": {},
        },
        CRM_LANE,
    ],
    "steps": [
        {
            "key": "injury",
            "lane": "consumer",
            "phase": "Request",
            "title": "Claims an injury and compensation",
            "description": "Says a glass chip in a bottle cut their lip; mentions a lawyer.",
            "kind": "touchpoint",
            "channel": EMAIL,
            "emotion": -2,
            "data_captured": "Description of the injury, photos, medical certificate",
            "data_recorded_in": "CRM case",
            "data_stage": "collected",
        },
        {
            "key": "access",
            "lane": "consumer",
            "phase": "Request",
            "title": "Asks for a copy of their personal data",
            "description": "After a promotion e-mail they did not expect.",
            "kind": "action",
            "channel": EMAIL,
            "emotion": -1,
        },
        {
            "key": "recognises",
            "lane": "agent",
            "phase": "Request",
            "title": "Recognises a legal or privacy request",
            "description": "No written criteria: agents escalate by instinct, some too late.",
            "kind": "pain_point",
            "channel": EMAIL,
        },
        {
            "key": "ack",
            "lane": "evidence",
            "phase": "Request",
            "title": "Acknowledgement e-mail with a case reference",
            "description": "States who will answer and by when.",
            "kind": "touchpoint",
            "channel": EMAIL,
        },
        {
            "key": "liability",
            "lane": "legal",
            "phase": "Assessment",
            "title": "Assesses liability and asks Quality for a report",
            "description": "The sample analysis decides whether the claim is settled.",
            "kind": "action",
            "data_captured": "Medical certificate, photos, quality report",
            "data_recorded_in": "Legal case file",
            "data_stage": "recorded",
        },
        {
            "key": "identity",
            "lane": "dpo",
            "phase": "Assessment",
            "title": "Verifies identity and scope of the request",
            "description": "Matches the e-mail address with CRM, promotion and shop records.",
            "kind": "action",
            "data_captured": "Identity check, scope of the request, deadline",
            "data_recorded_in": "Privacy request register",
            "data_stage": "recorded",
        },
        {
            "key": "export",
            "lane": "crm",
            "phase": "Assessment",
            "title": "Exports the consumer's records",
            "description": "CRM exports easily; agency and shop data must be asked for by e-mail.",
            "kind": "data",
            "data_captured": "Cases, contact history, consents",
            "data_recorded_in": "CRM consumer record",
            "data_stage": "synthesised",
        },
        {
            "key": "settlement",
            "lane": "legal",
            "phase": "Response",
            "title": "Drafts a settlement offer or a rejection",
            "description": "Letters go out under the legal department's letterhead.",
            "kind": "action",
            "channel": POST,
            "data_stage": "communicated",
            "data_captured": "Decision, amount offered",
            "data_recorded_in": "Legal case file",
        },
        {
            "key": "sends",
            "lane": "dpo",
            "phase": "Response",
            "title": "Sends the data export within the legal deadline",
            "description": "15 days under the LGPD in Brazil, one month under the GDPR in Europe.",
            "kind": "action",
            "channel": EMAIL,
            "data_captured": "Data export",
            "data_recorded_in": "Privacy request register",
            "data_stage": "communicated",
        },
        {
            "key": "formal",
            "lane": "consumer",
            "phase": "Response",
            "title": "Receives a formal letter",
            "description": "Correct but cold; several consumers replied asking for a person.",
            "kind": "touchpoint",
            "channel": POST,
            "emotion": -1,
        },
        {
            "key": "lessons",
            "lane": "legal",
            "phase": "Record",
            "title": "Logs the outcome and lessons for Quality",
            "description": "Claims by product and cause, reviewed twice a year.",
            "kind": "data",
            "data_captured": "Claim outcome, cost, root cause",
            "data_recorded_in": "Legal case file",
            "data_stage": "synthesised",
        },
        {
            "key": "retention",
            "lane": "dpo",
            "phase": "Record",
            "title": "Applies retention rules to closed cases",
            "description": "Complaint cases kept five years, promotion entries 90 days.",
            "kind": "data",
            "evidence": "assumed",
            "data_captured": "Closed cases past their retention period",
            "data_recorded_in": "CRM consumer record",
            "data_stage": "planned",
        },
        {
            "key": "checklist",
            "lane": "agent",
            "phase": "Record",
            "title": "Legal triage checklist in the agent script",
            "description": "Five questions that send a contact to Legal or the DPO on day one.",
            "kind": "opportunity",
            "evidence": "proposed",
        },
    ],
    "links": [
        {"source": "injury", "target": "recognises", "kind": "trigger", "label": ""},
        {"source": "recognises", "target": "liability", "kind": "handoff", "label": "Claim"},
        {"source": "recognises", "target": "identity", "kind": "handoff", "label": "Data request"},
        {"source": "identity", "target": "export", "kind": "trigger", "label": ""},
        {"source": "export", "target": "sends", "kind": "information", "label": "Data export"},
        {"source": "liability", "target": "settlement", "kind": "dependency", "label": ""},
        {"source": "settlement", "target": "formal", "kind": "information", "label": ""},
        {
            "source": "lessons",
            "target": "checklist",
            "kind": "information",
            "label": "Escalation criteria",
        },
    ],
}

BLUEPRINTS = [
    SERVICE_CENTRE_BLUEPRINT,
    QUALITY_BLUEPRINT,
    TRADE_BLUEPRINT,
    ECOMMERCE_BLUEPRINT,
    LEGAL_BLUEPRINT,
]


# The facilitator's phase mapping for the global blueprint: every team named its own phases,
# the merge aligns them on one shared consumer journey.
GLOBAL_PHASES = {
    "Contact": "Contact",
    "Identification & triage": "Triage",
    "Resolution": "Resolution",
    "Follow-up": "Follow-up",
    "Closure": "Closure",
    "Intake": "Triage",
    "Sample & analysis": "Resolution",
    "Root cause": "Resolution",
    "Response": "Follow-up",
    "Prevention": "Closure",
    "Discover": "Before contact",
    "Participate": "Before contact",
    "Query": "Contact",
    "Prize fulfilment": "Resolution",
    "Wrap-up": "Closure",
    "Order": "Before contact",
    "Delivery": "Before contact",
    "Issue": "Contact",
    "Loyalty": "Follow-up",
    "Request": "Triage",
    "Assessment": "Resolution",
    "Record": "Closure",
}
