"""The command line on the app's services.

``args`` (the app's own options, read before Qt), ``common`` (exit codes, the
passphrase, the services for one command), ``main`` (the parser, the runner, the
vault and sandbox commands), ``accounts`` (account and diagnostics commands).
"""
