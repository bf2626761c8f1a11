"""The lab's Python agent: a Chat Completions loop over httpx with local tools.

Usage: python3 agent.py --llm-url URL --work DIR --prompt FILE

Tools: run_command (sh -c), read_file, write_file, http_get, http_post and
load_model (unpickles a model file, as many ML stacks do: a pickle can run code
when it is loaded, which is what the lab's malicious-model attack shows).
"""

import argparse
import json
import pathlib
import pickle
import subprocess

import httpx


def fn(name, description, **properties):
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": {k: {"type": v} for k, v in properties.items()},
                "required": list(properties),
            },
        },
    }


TOOLS = [
    fn("run_command", "Run a shell command with sh -c.", command="string"),
    fn("read_file", "Read a text file.", path="string"),
    fn("write_file", "Write a text file.", path="string", content="string"),
    fn("http_get", "GET a URL, with a bearer token when given.", url="string"),
    fn("http_post", "POST a body to a URL.", url="string", body="string"),
    fn("load_model", "Load a pickled classifier and describe it.", path="string"),
]


def run_tool(http, name, args):
    try:
        if name == "run_command":
            p = subprocess.run(["/bin/sh", "-c", args["command"]], capture_output=True, text=True, timeout=20)
            return p.stdout + p.stderr
        if name == "read_file":
            return pathlib.Path(args["path"]).read_text()[:65536]
        if name == "write_file":
            path = pathlib.Path(args["path"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(args["content"])
            return f"wrote {len(args['content'])} characters to {path}"
        if name == "http_get":
            headers = {"authorization": f"Bearer {args['bearer'].strip()}"} if args.get("bearer") else {}
            r = http.get(args["url"], headers=headers)
            return f"{r.status_code} {r.text[:4096]}"
        if name == "http_post":
            r = http.post(args["url"], content=args["body"].encode())
            return f"{r.status_code} {r.text[:4096]}"
        if name == "load_model":
            with open(args["path"], "rb") as f:
                model = pickle.load(f)  # the unsafe part: unpickling runs what the file says
            return f"loaded {type(model).__name__} with {len(model) if hasattr(model, '__len__') else 0} entries"
        return f"error: no tool {name}"
    except Exception as err:  # a failing tool is an answer the model reads
        return f"error: {err}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--llm-url", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--prompt", required=True)
    a = ap.parse_args()
    messages = [
        {"role": "system", "content": "You work through the team inbox with your tools."},
        {"role": "user", "content": pathlib.Path(a.prompt).read_text()},
    ]
    with httpx.Client(timeout=60) as http:
        for _ in range(30):
            r = http.post(
                f"{a.llm_url}/chat/completions",
                headers={"authorization": "Bearer lab-key-not-secret"},
                json={"model": "gpt-4o-mini", "messages": messages, "tools": TOOLS},
            )
            r.raise_for_status()
            msg = r.json()["choices"][0]["message"]
            messages.append(msg)
            calls = msg.get("tool_calls") or []
            if not calls:
                print(json.dumps({"output": msg.get("content") or ""}))
                return
            for c in calls:
                out = run_tool(http, c["function"]["name"], json.loads(c["function"]["arguments"] or "{}"))
                messages.append({"role": "tool", "tool_call_id": c["id"], "content": out})
    raise SystemExit("the agent did not finish in 30 turns")


if __name__ == "__main__":
    main()
