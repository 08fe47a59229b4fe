"""Drives a VSPC (here the crate's simulator) with Veeam's own Python client, veeam-spc, through
one of its version modules, the way a user of that module would.

    python drive_simulator.py MODULE BASE_URL API_KEY     e.g. MODULE = v3_5_1

Lists the backup-server licenses, switches automatic license updates on for the first server
that has them off (JSON Patch), reads that license back, lists the license usage reports,
reads `GET /about` and maps its `serverVersion` to an API version with veeam-spc's own table.
Prints one JSON object with what it saw; exits non-zero when the client cannot read an answer.

(veeam-spc's `discovery.detect_api_version` is not used: in 0.4.2 it reads `server_version`
on the response envelope instead of on its `data`, so it finds nothing on any console that
answers as Veeam's documents say.)
"""
import importlib
import json
import sys


def main() -> None:
    module, base_url, api_key = sys.argv[1:4]
    root = f"veeam_spc.{module}"
    client_module = importlib.import_module(root)
    licensing = f"{root}.api.licensing"
    list_licenses = importlib.import_module(f"{licensing}.get_backup_servers_licenses")
    get_license = importlib.import_module(f"{licensing}.get_backup_server_license")
    patch_license = importlib.import_module(f"{licensing}.patch_backup_server_license")
    list_reports = importlib.import_module(f"{licensing}.get_licensing_reports")
    about = importlib.import_module(f"{root}.api.about.get_about_information")
    json_patch = importlib.import_module(f"{root}.models.json_patch")
    json_patch_op = importlib.import_module(f"{root}.models.json_patch_op")

    client = client_module.AuthenticatedClient(base_url=base_url, token=api_key, timeout=60.0)
    with client as c:
        page = list_licenses.sync(client=c, limit=500, offset=0)
        if page is None or not hasattr(page, "data"):
            raise SystemExit(f"cannot read the license list: {page!r}")
        licenses = page.data
        target = next(l for l in licenses if not l.auto_update_enabled)
        uid = target.backup_server_uid
        # The module types JsonPatch.value as a string but sends whatever it is given; a JSON
        # boolean is what Veeam's 3.5.1 example sends.
        body = [
            json_patch.JsonPatch(
                op=json_patch_op.JsonPatchOp.REPLACE, path="/autoUpdateEnabled", value=True
            )
        ]
        patched = patch_license.sync(backup_server_uid=uid, client=c, body=body)
        if patched is None or not hasattr(patched, "data"):
            raise SystemExit(f"the PATCH was not accepted: {patched!r}")
        again = get_license.sync(backup_server_uid=uid, client=c)
        reports = list_reports.sync(client=c, limit=100, offset=0)
        if reports is None or not hasattr(reports, "data"):
            raise SystemExit(f"cannot read the reports: {reports!r}")
        first = reports.data[0]
        parameters = getattr(first, "report_parameters", None) or getattr(
            first, "report_paremeters", None
        )
        server_version = about.sync(client=c).data.server_version

    from veeam_spc import discovery

    detected = discovery.api_version_for_server(server_version)
    print(
        json.dumps(
            {
                "listed": len(licenses),
                "patched": str(uid),
                "patched_answer": patched.data.auto_update_enabled,
                "read_back": again.data.auto_update_enabled,
                "reports": len(reports.data),
                "report_id": parameters.report_id,
                "server_version": server_version,
                "detected": detected,
            }
        )
    )


if __name__ == "__main__":
    main()
