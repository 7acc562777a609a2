"""Drives boto3 (Converse, ConverseStream) through a bedgov enforcer, for the client
suite (internal/clientsuite) and the Clients guide. Usage: python3 drive_boto3.py turns|one

Environment as drive.mjs: BEDGOV_URL, BEDGOV_MODEL, AWS_REGION, and the credentials
boto3 reads itself: AWS_BEARER_TOKEN_BEDROCK (api_key mode; botocore 1.39 or later) or
AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN with BEDGOV_SIGNING_NAME=lambda
(iam mode). AWS_CA_BUNDLE makes boto3 trust the local CA. One JSON line per call.
"""
import json
import os
import sys

import boto3
import botocore.exceptions

scenario = sys.argv[1]
url = os.environ["BEDGOV_URL"].rstrip("/")
model = os.environ["BEDGOV_MODEL"]
client = boto3.client("bedrock-runtime", endpoint_url=url, region_name=os.environ["AWS_REGION"])
if os.environ.get("BEDGOV_SIGNING_NAME"):
    # iam mode: a function URL wants SigV4 for service "lambda"; boto3 signs for the
    # client's own service ("bedrock") unless told otherwise.
    client._request_signer._signing_name = os.environ["BEDGOV_SIGNING_NAME"]

# The lane's profile in the prompt: each lane caches its own prefix.
LONG_SYSTEM = "Lane " + model + ". " + "You are a careful assistant for the platform team. " * 40
TOOL_ASK = 'Read /tmp/notes.txt [[tool:Read {"file_path":"/tmp/notes.txt"}]]'
TOOLS = {"tools": [{"toolSpec": {"name": "Read", "description": "Read a file",
                                 "inputSchema": {"json": {"type": "object", "properties": {"file_path": {"type": "string"}}}}}}]}


def out(call, **r):
    sys.stdout.write(json.dumps({"call": call, **r}) + "\n")
    sys.stdout.flush()


def usage(u):
    u = u or {}
    return {"input": u.get("inputTokens", 0), "output": u.get("outputTokens", 0),
            "cacheRead": u.get("cacheReadInputTokens", 0), "cacheWrite": u.get("cacheWriteInputTokens", 0)}


def meta(headers):
    headers = headers or {}
    return {"state": headers.get("x-bedgov-state", ""), "servedModel": headers.get("x-bedgov-model", "")}


def user(text):
    return {"role": "user", "content": [{"text": text}]}


def converse(call, **kw):
    try:
        r = client.converse(modelId=model, inferenceConfig={"maxTokens": 64}, **kw)
    except botocore.exceptions.ClientError as e:
        err = e.response.get("Error", {})
        md = e.response.get("ResponseMetadata", {})
        out(call, error={"name": err.get("Code", ""), "status": md.get("HTTPStatusCode", 0), "message": err.get("Message", str(e))},
            **meta(md.get("HTTPHeaders")))
        return None
    block = r["output"]["message"]["content"][0]
    tool = None
    if "toolUse" in block:
        tool = {"name": block["toolUse"]["name"], "input": block["toolUse"]["input"]}
    out(call, usage=usage(r.get("usage")), text=block.get("text", ""), tool=tool, stop=r.get("stopReason", ""),
        **meta(r["ResponseMetadata"].get("HTTPHeaders")))
    return r


if scenario == "one":
    converse("one", messages=[user("hello [[tokens:8]]")])
    sys.exit(0)

converse("plain", messages=[user("hello [[tokens:8]]")])
try:
    r = client.converse_stream(modelId=model, inferenceConfig={"maxTokens": 64}, messages=[user("stream please [[tokens:10]]")])
    text, u = "", None
    for ev in r["stream"]:
        if "contentBlockDelta" in ev:
            text += ev["contentBlockDelta"]["delta"].get("text", "")
        if "metadata" in ev:
            u = ev["metadata"].get("usage")
    out("stream", usage=usage(u), text=text, **meta(r["ResponseMetadata"].get("HTTPHeaders")))
except botocore.exceptions.ClientError as e:
    out("stream", error={"name": e.response["Error"].get("Code", ""), "status": 0, "message": str(e)})

ask = user(TOOL_ASK)
first = converse("tool", messages=[ask], toolConfig=TOOLS)
if first:
    msg = first["output"]["message"]
    use = msg["content"][0].get("toolUse")
    if use:
        converse("tool-answer", toolConfig=TOOLS, messages=[ask, msg, {"role": "user", "content": [
            {"toolResult": {"toolUseId": use["toolUseId"], "content": [{"text": "the secret word is pelican"}]}}]}])
cached = {"system": [{"text": LONG_SYSTEM}, {"cachePoint": {"type": "default"}}], "messages": [user("cached question [[tokens:4]]")]}
converse("cache-write", **cached)
converse("cache-hit", **cached)
