"""Application services: the only layer beside ``app.py`` that holds a workspace.

The pages, the workers and the command line reach the workspace through these services and never
through storage: configuration (:mod:`.configuration`, opened per thread by :mod:`.session`),
delivery (:mod:`.delivery`), the request log's read side (:mod:`.request_log`) and bundle import
and export (:mod:`.transfer`). Every write announces what changed on one bus (:mod:`.changes`),
to which every view listens.
"""
