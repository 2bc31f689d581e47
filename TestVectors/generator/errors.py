"""The Parley error categories (Parley-v2 adds unsupported_version)."""

CATEGORIES = ("malformed", "authentication", "duplicate", "too_many_skipped",
              "unknown_prekey", "bad_signature", "invalid_key", "unsupported_version")


class ParleyError(Exception):
    def __init__(self, category: str, detail: str = ""):
        assert category in CATEGORIES, category
        super().__init__(f"{category}: {detail}" if detail else category)
        self.category = category
        self.detail = detail
