"""The python-script runner's worker for Squall: runs StackStorm Python actions of one pack.

Reads one JSON request a line on stdin: {file, parameters, config, execution_id, pack,
action, env, nonce, result_marker}. For each, it forks a child that imports the entry point,
runs the Action subclass it defines and prints the marked result line; a fresh process per
execution, as st2 runs each action, but without paying for python's start each time. After
the child has exited, the worker prints the end lines on stdout and stderr. With --reuse it
runs the actions itself instead (each module imported once, a new Action instance per
execution): faster where fork is slow, but module globals live on between executions.
Datastore calls travel as JSON lines over the Unix socket in SQUALL_ACTION_SOCKET, each with
the execution's SQUALL_ACTION_TOKEN.
"""
import importlib.util
import inspect
import json
import os
import socket
import sys
import traceback

from st2common.runners.base_action import Action


class KeyValuePair(object):
    def __init__(self, item):
        self.name = item.get("name")
        self.value = item.get("value")
        self.secret = item.get("secret", False)
        self.scope = item.get("scope")
        self.expire_timestamp = item.get("expire_timestamp")

    def __repr__(self):
        return "<KeyValuePair name=%s>" % self.name


class ActionService(object):
    """st2's action service: datastore access with st2's `local` key prefix."""

    def __init__(self, pack, class_name):
        self._prefix = "%s.%s:" % (pack, class_name)
        self._sock = None
        self._file = None
        self._seq = 0

    def _call(self, **req):
        if self._sock is None:
            self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self._sock.connect(os.environ["SQUALL_ACTION_SOCKET"])
            self._file = self._sock.makefile("r", encoding="utf-8")
        self._seq += 1
        req["id"] = self._seq
        req["token"] = os.environ["SQUALL_ACTION_TOKEN"]
        self._sock.sendall((json.dumps(req) + "\n").encode("utf-8"))
        answer = json.loads(self._file.readline())
        if not answer.get("ok"):
            raise Exception(answer.get("error"))
        return answer.get("value")

    def close(self):
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _name(self, name, local):
        return self._prefix + name if local else name

    def get_value(self, name, local=True, scope="system", decrypt=False):
        return self._call(op="get", name=self._name(name, local), scope=scope, decrypt=decrypt)

    def set_value(self, name, value, ttl=None, local=True, scope="system", encrypt=False):
        return self._call(op="set", name=self._name(name, local), value=value, ttl=ttl, scope=scope, secret=encrypt)

    def delete_value(self, name, local=True, scope="system"):
        return self._call(op="delete", name=self._name(name, local), scope=scope)

    def list_values(self, local=True, prefix=None, scope="system", decrypt=False):
        full = (self._prefix if local else "") + (prefix or "")
        return [KeyValuePair(i) for i in self._call(op="list", prefix=full or None, scope=scope, decrypt=decrypt)]


def action_class(module):
    found = [c for _, c in inspect.getmembers(module, inspect.isclass)
             if issubclass(c, Action) and c is not Action and c.__module__ == module.__name__]
    if not found:
        raise Exception("%s defines no subclass of st2common.runners.base_action.Action" % module.__file__)
    return found[0]


_modules = {}


def load_module(path, cache):
    """The entry point's module: imported anew, or once per worker when `cache`."""
    if cache and path in _modules:
        return _modules[path]
    actions_dir = os.path.dirname(path)
    # st2 puts the actions directory and actions/lib on the path of every Python action.
    for d in (os.path.join(actions_dir, "lib"), actions_dir):
        if d not in sys.path:
            sys.path.insert(0, d)
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    if cache:
        _modules[path] = module
    return module


def run_action(data, cache):
    """Runs the action once; the answer for the result line."""
    try:
        os.chdir(os.path.dirname(data["file"]))
        cls = action_class(load_module(data["file"], cache))
        service = ActionService(data["pack"], cls.__name__)
        action = cls(config=data["config"], action_service=service)
        try:
            value = action.run(**data["parameters"])
        finally:
            service.close()
        status = "succeeded"
        # st2: a 2-tuple whose first item is a bool is (status, result).
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], bool):
            status = "succeeded" if value[0] else "failed"
            value = value[1]
        answer = {"ok": True, "status": status, "result": value}
    except BaseException as e:  # noqa: B902 - SystemExit from an action is its failure too
        answer = {"ok": False, "error": "%s: %s" % (type(e).__name__, e), "traceback": traceback.format_exc()}
    try:
        return json.dumps(answer, default=str)
    except BaseException as e:  # noqa: B902
        return json.dumps({"ok": False, "error": "the result is not JSON: %s" % e})


def write_result(marker, text):
    sys.stdout.flush()
    sys.stderr.flush()
    os.write(1, (marker + "result " + text + "\n").encode("utf-8"))


def run_child(data, marker):
    """In the forked child: run the action once, print the result line, exit."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)  # the action must not read the worker's requests
    sys.stdin = open(os.devnull)
    os.environ.update(data["env"])
    code = 0
    try:
        write_result(marker, run_action(data, False))
    except BaseException:  # noqa: B902
        code = 1
    os._exit(code)


def run_here(data, marker):
    """--reuse: run in the worker itself, with the execution's variables for its duration."""
    saved = {k: os.environ.get(k) for k in data["env"]}
    os.environ.update(data["env"])
    try:
        write_result(marker, run_action(data, True))
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def exit_code(status):
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def main():
    reuse = "--reuse" in sys.argv[1:]
    requests = sys.stdin.buffer
    if reuse:
        sys.stdin = open(os.devnull)
    while True:
        line = requests.readline()
        if not line:
            return
        data = json.loads(line)
        marker = data["result_marker"] + data["nonce"] + " "
        if reuse:
            run_here(data, marker)
            code = 0
        else:
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                run_child(data, marker)
            code = exit_code(os.waitpid(pid, 0)[1])
        os.write(1, (marker + "done %d\n" % code).encode("utf-8"))
        os.write(2, (marker + "done\n").encode("utf-8"))


if __name__ == "__main__":
    main()
