"""The core: what push, pull, status, archive and restore do, without click.

gather (``gather``) → plan (``git_vam.plan``) → execute (``execute``) → record
(``record``); ``transfer`` and ``status`` put them together for the commands.
"""
