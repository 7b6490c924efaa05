"""`python -m portal.nmbrs.sandbox`: the sandbox without any Flask app config."""

from portal.nmbrs.sandbox.cli import sandbox_command

if __name__ == "__main__":
    sandbox_command(prog_name="python -m portal.nmbrs.sandbox")
