"""Click groups whose subcommands are imported from a table on first use (fast `--help`)."""

import importlib

import click


class LazyGroup(click.Group):
    """A group whose subcommands are imported from a table on first use."""

    def __init__(self, *args, table: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table

    def list_commands(self, ctx):
        return sorted({*self.commands, *self.table})

    def get_command(self, ctx, name):
        if name in self.commands:
            return self.commands[name]
        target = self.table.get(name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        return getattr(importlib.import_module(module), attr)
