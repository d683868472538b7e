"""What makes a SECRET_KEY unfit for production (production.py refuses to start with one)."""

from __future__ import annotations

# Keys that are known to everybody: the placeholder of .env.example and the development and test keys.
PUBLIC_KEYS = {
    "change-me-to-a-long-random-string",
    "local-development-only-not-secret",
    "test-only-not-secret",
}
SECRET_KEY_MIN_LENGTH = 50


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` cannot sign production sessions and tokens, or None. The same bar as Django's
    ``check --deploy`` (security.W009), enforced at start-up rather than only warned about."""
    if not key:
        return "SECRET_KEY must be set in production"
    if key in PUBLIC_KEYS or key.startswith(("change-me", "django-insecure-")):
        return "SECRET_KEY is a published placeholder (from .env.example or the development settings)"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"SECRET_KEY is {len(key)} characters long; production needs at least {SECRET_KEY_MIN_LENGTH}"
    if len(set(key)) < 5:
        return "SECRET_KEY has fewer than 5 different characters"
    return None
