# Payroll Link: `make run` starts the demo, `make test` runs the tests. See README.md.
.PHONY: run test coverage venv clean-demo help translations
.DEFAULT_GOAL := help

VENV_STAMP := .venv/.requirements-installed

help:
	@echo "make run         the demo on http://127.0.0.1:5000 (venv, Redis, migrations, demo data, worker)"
	@echo "make test        the tests on SQLite and, when it answers on 127.0.0.1:5432, PostgreSQL"
	@echo "make coverage    line coverage of portal/ and jobs/ (SQLite, without the browser tests)"
	@echo "make clean-demo  forget the demo database, keys and logins in instance/"

venv: $(VENV_STAMP)

$(VENV_STAMP): requirements.txt requirements-dev.txt .dev/venv.sh
	.dev/venv.sh
	touch $@

run: $(VENV_STAMP)
	.dev/run-demo.sh

test: $(VENV_STAMP)
	.dev/test.sh $(PYTEST_ARGS)

coverage: $(VENV_STAMP)
	.venv/bin/python -m pytest -q -m "not browser" --cov=portal --cov=jobs --cov-report=term $(PYTEST_ARGS)

clean-demo:
	rm -f instance/demo.env instance/demo-logins.txt instance/payroll-link.sqlite3*

# The Dutch catalogue: extract every marked text, merge it into translations/nl, compile the .mo
# (the .mo files are committed, so a clean clone runs without this step; a test checks they match).
translations: $(VENV_STAMP)
	.venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ --no-location --sort-output -o translations/messages.pot .
	.venv/bin/pybabel update -i translations/messages.pot -d translations -l nl --no-fuzzy-matching --ignore-obsolete
	.venv/bin/pybabel compile -d translations
