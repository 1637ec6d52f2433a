"""Small helpers shared by the user service handlers."""

import re

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)


def normalize_email(email):
    """Lower-case and strip an e-mail address."""
    return email.strip().lower()


def is_valid_email(email):
    """Tell whether an e-mail address looks valid."""
    return bool(EMAIL_RE.match(email))


def display_name(first, last):
    """Join first and last name."""
    return f"{first} {last}"
