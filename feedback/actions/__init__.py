"""You said, we did: what the company did about a theme, and telling the customers who raised it.

:mod:`feedback.actions.record` keeps the actions in the warehouse (add, list, remove; merges
followed); :mod:`feedback.actions.contacts` exports the consenting contacts of an action's
customers. Whether an action worked is computed at publish time (:mod:`feedback.insights.actions`).
"""

from feedback.actions.record import (
    Action,
    ActionError,
    add_action,
    current_theme,
    get_action,
    list_actions,
    remove_action,
)

__all__ = ["Action", "ActionError", "add_action", "current_theme", "get_action", "list_actions", "remove_action"]
