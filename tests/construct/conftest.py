"""Shared data for the tests of ``sftlab.construct``: a small labelled pool of reviews."""

POOL = [
    {"text": t, "label": label, "domain": "restaurants"}
    for t, label in [
        ("The food was great and the staff were friendly.", "positive"),
        ("Great pasta, friendly service, lovely view.", "positive"),
        ("The soup is delicious.", "positive"),
        ("Friendly waiters and great desserts.", "positive"),
        ("The food was cold and the staff were rude.", "negative"),
        ("Cold pizza, rude staff, never again.", "negative"),
        ("The room is noisy.", "negative"),
        ("Rude manager and cold coffee.", "negative"),
    ]
]
