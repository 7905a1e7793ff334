"""``python -m pix_lti.content validate PATH``: usable by content authors without a database or configuration.

``load`` and ``import-pix`` build the application (database settings from the environment) only when run.
"""

from __future__ import annotations

from flask.cli import FlaskGroup

from pix_lti.content.cli import content_group


def _create_app():  # noqa: ANN202 - imported lazily: validate must not need the app's configuration
    from pix_lti.cli import _create_app_for_cli

    return _create_app_for_cli()


main = FlaskGroup(create_app=_create_app, add_default_commands=False, add_version_option=False,
                  load_dotenv=False, help=content_group.help)
for _command in content_group.commands.values():
    main.add_command(_command)

if __name__ == "__main__":
    main.main(prog_name="python -m pix_lti.content")
