"""core.uuid: one new UUID, as text, of the type asked for (st2's core.uuid returns the same)."""
import uuid

from st2common.runners.base_action import Action

MAKERS = {"uuid1": uuid.uuid1, "uuid4": uuid.uuid4}


class GenerateUUID(Action):
    def run(self, uuid_type):
        make = MAKERS.get(uuid_type)
        if make is None:
            raise ValueError("Unknown uuid_type. Only uuid1 and uuid4 are supported")
        return str(make())
