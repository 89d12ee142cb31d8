"""core.pause: sleeps max_pause seconds (a random 1..max_pause with random) and returns the delay."""
import random as chance
import time

from st2common.runners.base_action import Action


class PauseAction(Action):
    def run(self, max_pause, random):
        delay = chance.randint(1, int(max_pause)) if random else max_pause
        time.sleep(delay)
        return delay
