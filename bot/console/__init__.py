"""The adviser console: a small Flask web app where advisers take over conversations.

* :mod:`bot.console.app` - :func:`create_app`, CSRF, security headers;
* :mod:`bot.console.sessions` - the session helpers and the app's collaborators;
* :mod:`bot.console.errors` - the Dutch error pages;
* :mod:`bot.console.views` - pages, form actions and the JSON polls;
* :mod:`bot.console.accounts` - argon2 passwords, login with lock-out, account set-up;
* :mod:`bot.console.present` - what the pages show of a case;
* :mod:`bot.console.texts` - the Dutch labels (``labels.yml``);
* :mod:`bot.console.admin` - ``make adviser`` (create or reset an account);
* ``python -m bot.console`` - serve it with waitress (``make run`` does).
"""
