"""dockfix-bot: run the fixes over a repository and propose them as one pull (merge) request.

Nothing here is imported by `fixer.cli`: the bot's git and HTTP code costs the plain command nothing.
"""
