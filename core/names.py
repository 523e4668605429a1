"""How people are named to each other."""


def first_name(full_name: str) -> str:
    """A staff member's first name: what a young person calls them."""
    return full_name.strip().split()[0] if full_name.strip() else full_name
