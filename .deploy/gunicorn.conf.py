"""gunicorn settings for Payroll Link (used by payroll-link-web.service).

    gunicorn -c /srv/payroll-link/app/.deploy/gunicorn.conf.py 'app:create_app()'
"""

# nginx proxies to this socket; systemd creates /run/payroll-link (RuntimeDirectory=).
bind = "unix:/run/payroll-link/gunicorn.sock"
umask = 0o007  # the socket is usable by the group (add www-data to group payroll-link)

# Threads keep memory low on a small VPS; nginx buffers slow clients for us.
worker_class = "gthread"
workers = 3
threads = 4

# No preload: each worker creates its own database engine and Redis connections after the fork.
preload_app = False

timeout = 30
graceful_timeout = 30
keepalive = 5
max_requests = 1000
max_requests_jitter = 100

# gunicorn >= 25.1 opens a control socket by default under ~/.gunicorn, which the service user
# cannot write. Keep it in the runtime directory instead (use `gunicornc` as that user).
control_socket = "/run/payroll-link/gunicorn.ctl"
control_socket_mode = 0o600

# Logs to stdout/stderr: journald collects them (journalctl -u payroll-link-web).
accesslog = "-"
errorlog = "-"
loglevel = "info"
# X-Forwarded-For/-Proto/-Host from nginx are read by the app's ProxyFix (app.py), not here.
