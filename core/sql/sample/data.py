"""Deterministic rows for the sample shop: same seed, same rows, on every machine.

Dates span 2022-01-01 to 2024-12-31, with more orders towards the end of each year, so that
questions such as "revenue in 2023" or "orders last month" have non-trivial answers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

SEED = 20240601
FIRST_DAY = date(2022, 1, 1)
LAST_DAY = date(2024, 12, 31)

_FIRST_NAMES = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Elena",
    "Felix",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Karin",
    "Luca",
    "Maria",
    "Noah",
    "Olga",
    "Pavel",
    "Rosa",
    "Sven",
    "Tara",
    "Umar",
    "Vera",
    "Wim",
    "Yusuf",
    "Zoe",
    "Chloé",
    "José",
    "Zoë",
    "Søren",
]
_LAST_NAMES = [
    "Schmidt",
    "Martin",
    "Rossi",
    "Garcia",
    "Novak",
    "Jansen",
    "Dubois",
    "Müller",
    "Silva",
    "Kowalski",
    "Larsen",
    "Brown",
    "Nagy",
    "Horvat",
    "Weber",
    "Moreau",
    "O'Brien",
    "Costa",
]
# (country, cities, weight)
_PLACES = [
    ("Germany", ["Berlin", "Hamburg", "Munich", "Cologne"], 30),
    ("France", ["Paris", "Lyon", "Marseille"], 20),
    ("United Kingdom", ["London", "Manchester", "Leeds"], 15),
    ("Spain", ["Madrid", "Barcelona", "Valencia"], 10),
    ("Italy", ["Rome", "Milan", "Turin"], 10),
    ("Netherlands", ["Amsterdam", "Rotterdam"], 8),
    ("Poland", ["Warsaw", "Krakow"], 7),
]
_SEGMENTS = [("consumer", 70), ("business", 22), ("education", 8)]
# (category, [(product name, price)])
_CATALOG = [
    ("Laptops", [("Aero 13 Laptop", "999.00"), ("Aero 15 Laptop", "1299.00"), ("Nimbus Pro 14", "1749.00")]),
    ("Monitors", [("View 24 Monitor", "189.00"), ("View 27 Monitor", "279.00"), ("Ultra 34 Curved", "549.00")]),
    (
        "Accessories",
        [
            ("Travel Mouse", "24.90"),
            ("Ergo Keyboard", "79.00"),
            ("USB-C Hub", "39.90"),
            ("Laptop Sleeve", "29.00"),
            ("Webcam HD", "59.00"),
        ],
    ),
    ("Audio", [("Studio Headphones", "149.00"), ("Pocket Speaker", "49.00"), ("Noise-Cancelling Earbuds", "129.00")]),
    ("Storage", [("Portable SSD 1TB", "109.00"), ("Portable SSD 2TB", "179.00"), ("Memory Card 128GB", "19.90")]),
    ("Software", [("Office Suite Licence", "99.00"), ("Antivirus 1 Year", "34.90")]),
]
# Listed in the catalogue but not yet sold: "products never ordered" has an answer.
_NEW_PRODUCTS = [("Laptops", "Aero 16 Laptop", "1499.00"), ("Audio", "Desk Microphone", "89.00")]
_STATUSES = [("delivered", 62), ("shipped", 8), ("paid", 6), ("pending", 4), ("cancelled", 12), ("refunded", 8)]


Weighted = TypeVar("Weighted", bound=tuple[Any, ...])


@dataclass
class SampleRows:
    customers: list[tuple[Any, ...]] = field(default_factory=list)
    products: list[tuple[Any, ...]] = field(default_factory=list)
    orders: list[tuple[Any, ...]] = field(default_factory=list)
    order_items: list[tuple[Any, ...]] = field(default_factory=list)

    def by_table(self) -> dict[str, list[tuple[Any, ...]]]:
        return {
            "customers": self.customers,
            "products": self.products,
            "orders": self.orders,
            "order_items": self.order_items,
        }


def _pick(rng: random.Random, weighted: list[Weighted]) -> Weighted:
    """One item, drawn with the weight in its last field."""
    return rng.choices(weighted, weights=[item[-1] for item in weighted])[0]


def _random_day(rng: random.Random, start: date, end: date) -> date:
    # Seasonal: later months of a year get more orders (weight rises towards December).
    while True:
        day = start + timedelta(days=rng.randrange((end - start).days + 1))
        if rng.random() < 0.55 + 0.45 * day.month / 12:
            return day


def generate(customers: int = 240, orders: int = 2400) -> SampleRows:
    rng = random.Random(SEED)
    rows = SampleRows()
    product_id = 0
    prices: dict[int, Decimal] = {}
    for category, items in _CATALOG:
        for name, price in items:
            product_id += 1
            prices[product_id] = Decimal(price)
            rows.products.append((product_id, name, category, price, rng.randrange(0, 400)))

    for category, name, price in _NEW_PRODUCTS:
        product_id += 1
        rows.products.append((product_id, name, category, price, rng.randrange(20, 60)))

    signup: dict[int, date] = {}
    home: dict[int, str] = {}
    for customer_id in range(1, customers + 1):
        first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
        country, cities, _ = _pick(rng, _PLACES)
        segment = _pick(rng, _SEGMENTS)[0]
        day = FIRST_DAY + timedelta(days=int(rng.triangular(0, 900, 0)))  # more early sign-ups
        signup[customer_id], home[customer_id] = day, country
        email = f"{first}.{last}.{customer_id}@example.com".lower().replace("'", "")
        rows.customers.append(
            (customer_id, f"{first} {last}", email, country, rng.choice(cities), segment, day.isoformat())
        )

    placed = []
    for _ in range(orders):
        customer_id = rng.randrange(1, customers + 1)
        placed.append((_random_day(rng, signup[customer_id], LAST_DAY), customer_id))
    placed.sort()  # order ids rise with dates, as in a real shop

    item_id = 0
    for order_id, (day, customer_id) in enumerate(placed, start=1):
        status = _pick(rng, _STATUSES)[0]
        if day > LAST_DAY - timedelta(days=10) and status in ("delivered", "cancelled", "refunded"):
            status = "paid"  # recent orders have not had time to arrive or be returned
        elif day < LAST_DAY - timedelta(days=45) and status in ("pending", "paid", "shipped"):
            status = "delivered"  # old orders are no longer in flight
        # Most orders ship home; some go to another country (gifts, offices).
        ship_country = home[customer_id] if rng.random() < 0.9 else _pick(rng, _PLACES)[0]
        total = Decimal("0.00")
        for product in rng.sample(sorted(prices), rng.choice([1, 1, 1, 2, 2, 3, 4])):
            item_id += 1
            quantity = rng.choice([1, 1, 1, 1, 2, 2, 3, 5])
            unit_price = prices[product]
            if rng.random() < 0.15:
                unit_price = (unit_price * Decimal("0.9")).quantize(Decimal("0.01"))  # discounts
            total += unit_price * quantity
            rows.order_items.append((item_id, order_id, product, quantity, str(unit_price)))
        rows.orders.append((order_id, customer_id, day.isoformat(), status, ship_country, str(total)))
    return rows
