#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# The AsyncAPI document checked against the 2.6.0 specification it claims, without the npm
# tooling: only the fields the spec defines at each level, the required ones present, and what
# AsyncAPI's own linter (Spectral's asyncapi ruleset) warns about absent: contact and license
# with their URLs, tags declared, sorted and described, an operationId, a description and tags
# on each operation, a unique messageId on each message, parameters described and used. Every
# $ref resolves: messages and parameters inside the document, payloads to a file in
# protocol/schemas/, and the $refs inside those files to a file and a JSON pointer there.
#   check_asyncapi.py [protocol/asyncapi.yaml]
import json
import os
import re
import sys

try:
    import yaml
except ImportError:
    sys.exit("check_asyncapi: needs PyYAML (Debian: python3-yaml; tools/install-deps has it)")

HERE = os.path.dirname(os.path.abspath(__file__))
DOC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "protocol", "asyncapi.yaml")
PROTOCOL = os.path.dirname(os.path.abspath(DOC))

# Fixed fields of each AsyncAPI 2.6.0 object this document uses ("x-" extensions aside).
FIELDS = {
    "root": {"asyncapi", "id", "info", "servers", "defaultContentType", "channels", "components",
             "tags", "externalDocs"},
    "info": {"title", "version", "description", "termsOfService", "contact", "license"},
    "contact": {"name", "url", "email"},
    "license": {"name", "url"},
    "server": {"url", "protocol", "protocolVersion", "description", "variables", "security",
               "tags", "bindings"},
    "channel": {"$ref", "description", "servers", "subscribe", "publish", "parameters", "bindings"},
    "operation": {"operationId", "summary", "description", "security", "tags", "externalDocs",
                  "bindings", "traits", "message"},
    "message": {"messageId", "headers", "payload", "correlationId", "schemaFormat", "contentType",
                "name", "title", "summary", "description", "tags", "externalDocs", "bindings",
                "examples", "traits"},
    "parameter": {"description", "schema", "location", "$ref"},
    "tag": {"name", "description", "externalDocs"},
    "components": {"schemas", "servers", "serverVariables", "channels", "messages",
                   "securitySchemes", "parameters", "correlationIds", "operationTraits",
                   "messageTraits", "serverBindings", "channelBindings", "operationBindings",
                   "messageBindings"},
    "mqtt_operation_binding": {"qos", "retain", "bindingVersion"},
}
PROTOCOLS = {"amqp", "amqps", "http", "https", "ibmmq", "jms", "kafka", "kafka-secure",
             "anypointmq", "mqtt", "secure-mqtt", "solace", "stomp", "stomps", "ws", "wss",
             "mercure", "googlepubsub", "pulsar"}

problems = []


def problem(where, what):
    problems.append(f"{where}: {what}")


def fields(obj, kind, where, required=()):
    if not isinstance(obj, dict):
        problem(where, f"must be an object ({kind})")
        return {}
    for key in obj:
        if key not in FIELDS[kind] and not str(key).startswith("x-"):
            problem(where, f"'{key}' is not a field of an AsyncAPI 2.6.0 {kind} object")
    for key in required:
        if not obj.get(key):
            problem(where, f"missing '{key}'")
    return obj


def local_ref(doc, ref, where):
    if not ref.startswith("#/"):
        problem(where, f"$ref {ref} is not inside the document")
        return None
    node = doc
    for part in ref[2:].split("/"):
        if not isinstance(node, dict) or part not in node:
            problem(where, f"$ref {ref} does not resolve")
            return None
        node = node[part]
    return node


def json_pointer(node, pointer):
    for part in [p for p in pointer.split("/") if p]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    return True


schemas_seen = {}


def schema_file(path, where):
    """Loads protocol/schemas/FILE and checks the $refs inside it (files and pointers)."""
    full = os.path.normpath(os.path.join(PROTOCOL, path))
    if os.path.dirname(full) != os.path.join(PROTOCOL, "schemas"):
        problem(where, f"payload {path} is not a file in protocol/schemas/")
        return
    if full in schemas_seen:
        return
    if not os.path.isfile(full):
        problem(where, f"payload {path}: no such file")
        return
    try:
        with open(full, encoding="utf-8") as f:
            schemas_seen[full] = json.load(f)
    except ValueError as e:
        problem(where, f"payload {path} is not JSON: {e}")
        return

    def walk(node):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                target, _, pointer = ref.partition("#")
                other = os.path.join(os.path.dirname(full), target) if target else full
                if not os.path.isfile(other):
                    problem(path, f"$ref {ref}: no such file")
                else:
                    if target:
                        schema_file(os.path.relpath(other, PROTOCOL), path)
                    with open(other, encoding="utf-8") as f:
                        if not json_pointer(json.load(f), pointer):
                            problem(path, f"$ref {ref}: no {pointer} in {os.path.basename(other)}")
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(schemas_seen[full])


def main():
    with open(DOC, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    fields(doc, "root", "document", ("asyncapi", "info", "channels"))
    if doc.get("asyncapi") != "2.6.0":
        problem("asyncapi", f"this check knows 2.6.0, the document claims {doc.get('asyncapi')}")

    info = fields(doc.get("info"), "info", "info", ("title", "version", "description", "contact",
                                                     "license"))
    fields(info.get("contact"), "contact", "info.contact", ("name", "url", "email"))
    fields(info.get("license"), "license", "info.license", ("name", "url"))

    servers = doc.get("servers") or {}
    if not servers:
        problem("servers", "none")
    for name, s in servers.items():
        fields(s, "server", f"servers.{name}", ("url", "protocol", "description"))
        if s.get("protocol") not in PROTOCOLS:
            problem(f"servers.{name}", f"unknown protocol {s.get('protocol')}")
        if str(s.get("url", "")).endswith("/") or "example.com" in str(s.get("url", "")):
            problem(f"servers.{name}", "url ends in / or is example.com")

    tags = doc.get("tags") or []
    names = [fields(t, "tag", "tags", ("name", "description")).get("name") for t in tags]
    if not names:
        problem("tags", "none")
    if names != sorted(names) or len(set(names)) != len(names):
        problem("tags", f"not sorted or not unique: {names}")

    components = fields(doc.get("components"), "components", "components")
    messages = components.get("messages") or {}
    parameters = components.get("parameters") or {}
    used_messages, used_parameters, operation_ids = set(), set(), {}

    for channel, item in (doc.get("channels") or {}).items():
        where = f"channel {channel}"
        fields(item, "channel", where, ("description",))
        if channel.endswith("/") or "#" in channel or "?" in channel:
            problem(where, "trailing slash, query or fragment")
        declared = set((item.get("parameters") or {}).keys())
        named = set(re.findall(r"\{([^}]+)\}", channel))
        if declared != named:
            problem(where, f"parameters {sorted(declared)} differ from the name's {sorted(named)}")
        for pname, p in (item.get("parameters") or {}).items():
            fields(p, "parameter", f"{where} parameter {pname}")
            if "$ref" in p:
                target = local_ref(doc, p["$ref"], f"{where} parameter {pname}")
                used_parameters.add(p["$ref"].rsplit("/", 1)[-1])
                p = target or {}
            if not p.get("description"):
                problem(f"{where} parameter {pname}", "no description")
        ops = [k for k in ("publish", "subscribe") if k in item]
        if not ops:
            problem(where, "neither publish nor subscribe")
        for kind in ops:
            op = fields(item[kind], "operation", f"{where} {kind}",
                        ("operationId", "summary", "description", "tags", "message"))
            oid = op.get("operationId")
            if oid in operation_ids:
                problem(f"{where} {kind}", f"operationId {oid} also in {operation_ids[oid]}")
            operation_ids[oid] = channel
            for t in op.get("tags") or []:
                if fields(t, "tag", f"{where} {kind} tags").get("name") not in names:
                    problem(f"{where} {kind}", f"tag {t.get('name')} is not declared in tags")
            mqtt = (op.get("bindings") or {}).get("mqtt")
            if mqtt is not None:
                fields(mqtt, "mqtt_operation_binding", f"{where} {kind} bindings.mqtt")
            ref = (op.get("message") or {}).get("$ref", "")
            if not ref.startswith("#/components/messages/"):
                problem(f"{where} {kind}", f"message is not a $ref to components.messages: {ref}")
            elif local_ref(doc, ref, f"{where} {kind}") is not None:
                used_messages.add(ref.rsplit("/", 1)[-1])

    message_ids = {}
    for key, m in messages.items():
        where = f"message {key}"
        fields(m, "message", where, ("messageId", "name", "title", "contentType", "payload"))
        mid = m.get("messageId")
        if mid != key:
            problem(where, f"messageId {mid} differs from its key")
        if mid in message_ids:
            problem(where, f"messageId {mid} also on {message_ids[mid]}")
        message_ids[mid] = key
        ref = (m.get("payload") or {}).get("$ref", "")
        if not ref.startswith("./schemas/"):
            problem(where, f"payload is not a $ref into ./schemas/: {ref}")
        else:
            schema_file(ref, where)
        if key not in used_messages:
            problem(where, "not used by any channel")
    for key, p in parameters.items():
        fields(p, "parameter", f"parameter {key}", ("description", "schema"))
        if key not in used_parameters:
            problem(f"parameter {key}", "not used by any channel")

    for p in problems:
        print("asyncapi:", p)
    if problems:
        return 1
    print(f"asyncapi: {DOC}: 2.6.0, {len(doc['channels'])} channels, {len(messages)} messages, "
          f"{len(schemas_seen)} schema files, every $ref resolves")
    return 0


if __name__ == "__main__":
    sys.exit(main())
