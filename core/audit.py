def changes_between(before: dict, after: dict) -> dict:
    """The audit form of an edit: {field: [old, new]} for every field whose value changed."""
    return {
        key: [before.get(key), value] for key, value in after.items() if before.get(key) != value
    }
