"""Sending postbacks: webhooks and emails, retry policy, the local inbox and the delivery runner.

Everything here is Qt-free and takes its seams (HTTP session, SMTP factory, clock, sleeper, random,
log sink, pending-retry store) through constructors, so the CLI, the GUI workers and the tests drive
the same code against real servers on 127.0.0.1.
"""
