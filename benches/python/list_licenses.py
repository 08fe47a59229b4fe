"""Page through every backup-server license with veeam-spc, 500 per request, as a user would."""
import sys
import time

from veeam_spc.v3_6_1 import AuthenticatedClient
from veeam_spc.v3_6_1.api.licensing import get_backup_servers_licenses


def main() -> None:
    base_url, api_key = sys.argv[1], sys.argv[2]
    client = AuthenticatedClient(base_url=base_url, token=api_key, timeout=120.0)
    started = time.perf_counter()
    offset, seen, total = 0, 0, None
    with client as c:
        while total is None or offset < total:
            page = get_backup_servers_licenses.sync(client=c, limit=500, offset=offset)
            if page is None or not hasattr(page, "data"):
                raise SystemExit(f"unexpected answer at offset {offset}: {page!r}")
            seen += len(page.data)
            total = page.meta.paging_info.total
            offset += len(page.data)
            if not page.data:
                break
    elapsed = time.perf_counter() - started
    print(f"licenses={seen}")
    print(f"seconds={elapsed:.3f}")


if __name__ == "__main__":
    main()
