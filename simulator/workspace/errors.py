"""The one error a workspace verb raises: a change that cannot be made, said in words."""


class EditError(ValueError):
    """A change the workspace refused; the message is for the user, and nothing changed."""
