"""Signed-in users' evidence collections, kept in the store's database so they outlive a browser tab, a
restart and the app process that served them (any process on the database shows the same one)."""

from __future__ import annotations

import json

from qa_app.search.store.postgres.schema import connect


def load_collection(url: str, user: str) -> list[dict]:
    """The user's saved items, oldest first; [] for a user who has none."""
    with connect(url) as conn:
        row = conn.execute("SELECT items FROM collections WHERE user_name = %s", (user,)).fetchone()
    return list(row[0]) if row else []


def save_collection(url: str, user: str, items: list[dict]) -> None:
    """Replace the user's saved items (an empty list removes the row)."""
    with connect(url) as conn:
        if items:
            conn.execute(
                "INSERT INTO collections (user_name, items) VALUES (%s, %s) "
                "ON CONFLICT (user_name) DO UPDATE SET items = excluded.items, updated_at = now()",
                (user, json.dumps(items)),
            )
        else:
            conn.execute("DELETE FROM collections WHERE user_name = %s", (user,))
