"""Drives the VCSP Pulse resources of a VSPC (here the crate's simulator) with Veeam's own Python
client, veeam-spc, through one of its version modules, and parses every answer with that
module's models.

    python drive_pulse.py MODULE BASE_URL API_KEY [--enums-only]     e.g. MODULE = v3_7

The license lifecycle: contracts, products and licenses listed; a license created (the `VBR`
product's first workload, under the first contract), read, patched (description), copied,
installed on the first backup server (whose license, read with the module's licensing
operations, is then the Pulse one), revoked, deleted (the copy too); a sync. Then the
configuration (patched when served), the tenants (one read by its UID when served), a download
and (3.7's preview) the Veeam Data Cloud monthly usages, which a simulator may not serve yet: a `404` is recorded as `not_served`, so the Rust side
decides what must be served. `--enums-only` reads only the configuration and the tenants, for a
server that answers them as Veeam's examples do.

Each call is built by the module's own `_get_kwargs`, sent once, and parsed by its own
`_parse_response` (not `sync_detailed`), so the raw answer is at hand when a model refuses it
and nothing is sent twice. Two refusals are documented and recorded, never swallowed:
`PulseConfiguration.status` / `PulseTenant.mappingStatus` sent as numbers, as Veeam's own
3.5.1-3.6.2 examples do (`known_failure` with the values sent), and the `meta: null` of a
body-less success, which the 3.5.1 and 3.6 modules declare non-nullable although Veeam's
example sends it (`known_failures`); see spec/deviations.yaml and docs/veeam-documents.md. Any
other refusal, or an answer that is not the declared success, exits non-zero naming it.

Prints one JSON object with what it saw.
"""
import datetime
import importlib
import json
import sys

# The properties veeam-spc is known to refuse when a console sends them as numbers.
KNOWN_ENUMS = {"configuration": "status", "tenants": "mappingStatus"}


def fail(what: str, response) -> None:
    raise SystemExit(f"{what}: HTTP {response.status_code}: {response.text}")


class Driver:
    def __init__(self, root, client):
        self.root = root
        self.client = client
        self.http = client.get_httpx_client()
        # Answers veeam-spc refused although they are what Veeam's documents send.
        self.known_failures = []

    def op(self, name):
        """A module of `api.pulse`, or of another `api` package when `name` names one."""
        package = "" if "." in name else "pulse."
        return importlib.import_module(f"{self.root}.api.{package}{name}")

    def model(self, module, name):
        return getattr(importlib.import_module(f"{self.root}.models.{module}"), name)

    def send(self, name, *args, **kwargs):
        """One request built by Veeam's module, and the raw answer: a refusal of the module's
        models must be told from the request never having been sent, and must not be retried
        (a retried install or delete is another call)."""
        module = self.op(name)
        response = self.http.request(**module._get_kwargs(*args, **kwargs))
        return module, response

    def parsed(self, what, name, model_class, *args, **kwargs):
        """The answer parsed by the module, which must be a success of the declared model."""
        module, response = self.send(name, *args, **kwargs)
        try:
            parsed = module._parse_response(client=self.client, response=response)
        except TypeError as refusal:
            # veeam-spc's 3.5.1 and 3.6 modules declare EmptyResponse.meta non-nullable;
            # Veeam's own example of that body sends `meta: null`, as the simulator does
            # (spec/deviations.yaml). Anything else refused fails the run.
            body = response.json() if response.status_code == 200 else None
            if model_class.__name__ != "EmptyResponse" or body is None or body.get("meta", 0) is not None:
                raise SystemExit(f"{what}: veeam-spc refused {response.text}: {refusal}")
            self.known_failures.append({"what": what, "property": "EmptyResponse.meta", "value": None})
            return None
        if not isinstance(parsed, model_class):
            fail(what, response)
        return parsed

    def optional(self, what, name, model_class, *args, **kwargs):
        """`parsed`, `not_served` (a 404), or the documented refusal of a numeric enum."""
        module, response = self.send(name, *args, **kwargs)
        if response.status_code == 404:
            return "not_served"
        try:
            parsed = module._parse_response(client=self.client, response=response)
        except ValueError as refusal:
            data = response.json().get("data")
            items = data if isinstance(data, list) else [data]
            field = KNOWN_ENUMS.get(what)
            values = [item.get(field) for item in items if isinstance(item, dict)]
            if field is None or not values or not all(isinstance(v, int) for v in values):
                raise SystemExit(f"{what}: veeam-spc refused {response.text}: {refusal}")
            return {"known_failure": field, "values": values}
        if not isinstance(parsed, model_class):
            fail(what, response)
        data = parsed.data
        if what == "download":
            return {"parsed": True, "chars": len(data)}
        return {"parsed": True, "count": len(data) if isinstance(data, list) else 1}


def main() -> None:
    module, base_url, api_key = sys.argv[1:4]
    root = f"veeam_spc.{module}"
    client_module = importlib.import_module(root)
    client = client_module.AuthenticatedClient(base_url=base_url, token=api_key, timeout=60.0)
    with client as c:
        if sys.argv[4:] == ["--enums-only"]:
            seen = {"optional": enums(Driver(root, c))}
        else:
            seen = run(Driver(root, c), root, c)
    print(json.dumps(seen))


def enums(d):
    """The configuration and the tenants: the answers holding the two numeric enums."""
    m = d.model
    return {
        "configuration": d.optional(
            "configuration",
            "get_pulse_configuration",
            m("get_pulse_configuration_response_200", "GetPulseConfigurationResponse200"),
        ),
        "tenants": d.optional(
            "tenants",
            "get_pulse_tenants",
            m("get_pulse_tenants_response_200", "GetPulseTenantsResponse200"),
        ),
    }


def run(d, root, c):
    m = d.model
    licenses_model = m("get_pulse_licenses_response_200", "GetPulseLicensesResponse200")
    license_model = m("get_pulse_license_response_200", "GetPulseLicenseResponse200")
    created_model = m("create_pulse_license_response_200", "CreatePulseLicenseResponse200")
    empty = m("empty_response", "EmptyResponse")
    servers = importlib.import_module(f"{root}.api.licensing.get_backup_servers_licenses")
    seen = {}

    contracts = d.parsed(
        "contracts",
        "get_pulse_license_contracts",
        m("get_pulse_license_contracts_response_200", "GetPulseLicenseContractsResponse200"),
    ).data
    products = d.parsed(
        "products",
        "get_pulse_license_products",
        m("get_pulse_license_products_response_200", "GetPulseLicenseProductsResponse200"),
    ).data
    seen["contracts"] = len(contracts)
    seen["products"] = len(products)
    seen["licenses_before"] = len(d.parsed("licenses", "get_pulse_licenses", licenses_model).data)

    # The backup-server product, so the license fits the backup server it is installed on.
    product = next(p for p in products if p.product_id == "VBR")
    body = m("pulse_license_input", "PulseLicenseInput")(
        product_id=product.product_id,
        contract_id=contracts[0].contract_id,
        expiration_date=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30),
        workloads=[
            m("pulse_license_workload_input", "PulseLicenseWorkloadInput")(
                workload_id=product.workloads[0].workload_id, count=3
            )
        ],
        description="issued by veeam-spc",
    )
    created = d.parsed("create", "create_pulse_license", created_model, body=body).data
    uid = created.instance_uid
    seen["created"] = str(uid)
    seen["created_points"] = created.points
    got = d.parsed("get", "get_pulse_license", license_model, uid)
    seen["got_same"] = got.data.instance_uid == uid

    patch_op = m("json_patch_op", "JsonPatchOp")
    patch = [m("json_patch", "JsonPatch")(op=patch_op.REPLACE, path="/description", value="changed")]
    patched = d.parsed(
        "patch",
        "patch_pulse_license",
        m("patch_pulse_license_response_200", "PatchPulseLicenseResponse200"),
        uid,
        body=patch,
    ).data
    seen["patched_description"] = patched.description

    copied = d.parsed(
        "copy",
        "copy_pulse_license",
        m("copy_pulse_license_response_200", "CopyPulseLicenseResponse200"),
        uid,
    ).data
    seen["copied"] = str(copied.instance_uid)

    server = servers.sync(client=c, limit=500, offset=0).data[0].backup_server_uid
    d.parsed("install", "install_pulse_license", empty, uid, server_uid=server)
    seen["installed_on"] = str(server)
    installed = d.parsed("get after install", "get_pulse_license", license_model, uid)
    seen["assign_status_installed"] = installed.data.assign_status.value
    # The server's license, read as any user of the module reads it, is now the Pulse one.
    on_server = importlib.import_module(f"{root}.api.licensing.get_backup_server_license")
    server_license = on_server.sync(backup_server_uid=server, client=c).data
    seen["server_license"] = {
        "license_ids": [str(i) for i in server_license.license_ids],
        "pulse_license_id": str(installed.data.license_id),
        "type": server_license.type_.value,
        "units": server_license.units,
    }

    d.parsed("revoke", "revoke_pulse_license", empty, uid)
    revoked = d.parsed("get after revoke", "get_pulse_license", license_model, uid)
    seen["assign_status_revoked"] = revoked.data.assign_status.value

    for gone in (uid, copied.instance_uid):
        d.parsed("delete", "delete_pulse_license", empty, gone)
    _, missing = d.send("get_pulse_license", uid)
    seen["deleted_status"] = missing.status_code
    seen["licenses_after"] = len(d.parsed("licenses after", "get_pulse_licenses", licenses_model).data)

    d.parsed("sync", "sync_pulse_data", empty)
    seen["synced"] = True

    # A license of its own to download, since the lifecycle's was deleted.
    fresh = d.parsed("create for download", "create_pulse_license", created_model, body=body)
    seen["optional"] = enums(d)
    seen["optional"]["download"] = d.optional(
        "download",
        "download_pulse_license",
        m("download_pulse_license_response_200", "DownloadPulseLicenseResponse200"),
        fresh.data.instance_uid,
    )
    if isinstance(seen["optional"]["configuration"], dict) and seen["optional"]["configuration"].get("parsed"):
        configuration = d.parsed(
            "configuration",
            "get_pulse_configuration",
            m("get_pulse_configuration_response_200", "GetPulseConfigurationResponse200"),
        ).data
        wanted = not configuration.is_pushing_new_companies_to_pulse_enabled
        change = [
            m("json_patch", "JsonPatch")(
                op=patch_op.REPLACE, path="/isPushingNewCompaniesToPulseEnabled", value=wanted
            )
        ]
        changed = d.parsed(
            "patch configuration",
            "patch_pulse_configuration",
            m("patch_pulse_configuration_response_200", "PatchPulseConfigurationResponse200"),
            body=change,
        ).data
        seen["configuration_patched"] = changed.is_pushing_new_companies_to_pulse_enabled == wanted
    if isinstance(seen["optional"]["tenants"], dict) and seen["optional"]["tenants"].get("parsed"):
        tenants = d.parsed(
            "tenants",
            "get_pulse_tenants",
            m("get_pulse_tenants_response_200", "GetPulseTenantsResponse200"),
        ).data
        first = tenants[0].instance_uid
        tenant = d.parsed(
            "tenant",
            "get_pulse_tenant",
            m("get_pulse_tenant_response_200", "GetPulseTenantResponse200"),
            first,
        ).data
        seen["tenant_same"] = tenant.instance_uid == first
    # 3.7's preview of Veeam Data Cloud monthly usage: only its module has the operation.
    if root.endswith(".v3_7"):
        seen["optional"]["vdc_usages"] = d.optional(
            "vdc_usages",
            "preview_operations.get_pulse_vdc_monthly_usages",
            m("get_pulse_vdc_monthly_usages_response_200", "GetPulseVdcMonthlyUsagesResponse200"),
            from_="2026-07",
            to="2026-10",
        )
    seen["known_failures"] = d.known_failures
    return seen


if __name__ == "__main__":
    main()
