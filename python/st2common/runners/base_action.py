"""st2common.runners.base_action as StackStorm pack actions use it.

An action subclasses Action and implements run(**kwargs). Squall's python-script runner
creates it with the pack config and an action service, then calls run with the parameters.
"""
import logging
import sys

__all__ = ["Action"]


def _logger(name):
    # st2's python runner logs actions to stderr in this format.
    logger = logging.getLogger(name)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(module)s [-] %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
    return logger


class Action(object):
    """Base class of st2 Python actions: self.config, self.logger, self.action_service."""

    def __init__(self, config=None, action_service=None):
        self.config = config or {}
        self.action_service = action_service
        self.logger = _logger("actions.python.%s" % self.__class__.__name__)

    def run(self, **kwargs):
        raise NotImplementedError()
