"""The demo taxonomy of the story: why consumers of a beverage maker get in touch."""

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
