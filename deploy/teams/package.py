#!/usr/bin/env python3
"""Builds the Teams app package (a zip of manifest.json, color.png and outline.png) for upload in
Teams (Apps → Manage your apps → Upload an app) or the Teams Developer Portal.

  python3 deploy/teams/package.py --bot-id $TEAMS_APP_ID --host costbot.mycompany.com --output costbot-teams.zip

--bot-id is the Microsoft App ID of the Azure Bot whose messaging endpoint is
https://HOST/teams/messages; --host replaces costbot.example.com in the developer URLs and
validDomains."""
import argparse
import json
import os
import re
import sys
import zipfile

GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
HOST = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]+)?$")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bot-id", required=True, help="Microsoft App ID of the bot (TEAMS_APP_ID)")
    parser.add_argument("--host", required=True, help="public host name that reaches costbot")
    parser.add_argument("--version", help="app version (semver), default the manifest's")
    parser.add_argument("--output", default="costbot-teams.zip")
    args = parser.parse_args()
    if not GUID.match(args.bot_id):
        sys.exit(f"--bot-id: expected a GUID like 9f3c...-...., got {args.bot_id!r}")
    if not HOST.match(args.host):
        sys.exit(f"--host: expected a host name like costbot.mycompany.com, got {args.host!r}")

    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "manifest.json"), encoding="utf-8") as f:
        text = f.read()
    manifest = json.loads(text.replace("costbot.example.com", args.host))
    for bot in manifest["bots"]:
        bot["botId"] = args.bot_id
    if args.version:
        manifest["version"] = args.version

    with zipfile.ZipFile(args.output, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        for icon in (manifest["icons"]["color"], manifest["icons"]["outline"]):
            z.write(os.path.join(here, icon), icon)
    print(f"{args.output}: Teams app package for bot {args.bot_id} at https://{args.host}/teams/messages")


if __name__ == "__main__":
    main()
