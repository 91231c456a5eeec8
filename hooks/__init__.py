"""The hook shims ``git vam install`` copies into a repository's hooks folder,
as they will run there: one per hook, each calling ``git-vam hook NAME``
(``@PYTHON@`` becomes the interpreter git-vam runs under, the fallback for GUI
git clients whose PATH lacks ``git-vam``). ``install --global`` puts the same
shims in git's template folder with one more line first, which returns at once
in a repository without ``.vamconfig``. Installed as the package data of
``git_vam.shims`` (pyproject.toml)."""
