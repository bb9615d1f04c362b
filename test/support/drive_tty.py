"""Runs a command in a pseudo-terminal and answers its prompts.

usage: python3 drive_tty.py '<json steps>' cmd args...
steps: [["text to wait for", "keys to send"], ...]; prints everything the program wrote and
exits with the program's exit code (124 when a prompt never appeared).
"""
import json, os, pty, select, sys, time

steps = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])

output = b""
def read_some(timeout):
    global output
    ready, _, _ = select.select([fd], [], [], timeout)
    if not ready:
        return False
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        return None
    if not chunk:
        return None
    output += chunk
    return True

cursor = 0
for expect, keys in steps:
    deadline = time.time() + 15
    while expect.encode() not in output[cursor:]:
        if time.time() > deadline or read_some(0.2) is None:
            sys.stdout.write(output.decode(errors="replace"))
            sys.stdout.write(f"\n[pty] never saw {expect!r}\n")
            os.kill(pid, 9)
            sys.exit(124)
    cursor = output.index(expect.encode(), cursor) + len(expect)
    time.sleep(0.15)
    # Escape sequences (arrow keys) must arrive whole: a lone ESC reads as "cancel".
    for part in keys.split("\r"):
        if part:
            os.write(fd, part.encode())
            time.sleep(0.1)
    for _ in range(keys.count("\r")):
        os.write(fd, b"\r")
        time.sleep(0.05)

while read_some(5):
    pass
_, status = os.waitpid(pid, 0)
sys.stdout.write(output.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
