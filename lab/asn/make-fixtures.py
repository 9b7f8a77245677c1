#!/usr/bin/env python3
"""Writes the AS databases the tests use, with a real MaxMind DB writer (PyPI `mmdb-writer`).

    lab/asn/make-fixtures.py [OUT_DIR]   (default: scanner-bin/tests/fixtures/asn)

Needs `mmdb-writer` (lab/install.sh puts it in the lab venv: $LAB/venv/bin/python
lab/asn/make-fixtures.py). The files are committed; this script is how they were made and how
to make them again. The same networks are written twice, as a GeoLite2-ASN-style file with the
country inside (`lab-asn.mmdb`) and as a GeoLite2-Country-style file without AS
(`lab-country.mmdb`), and as the iptoasn.com TSV (`lab-ip2asn.tsv`), so tests can check that
the three agree.

Networks (documentation and loopback ranges only):
  127.0.0.0/8      AS64496 "Loopback Lab"     XL   the "country" of the lab's receivers
  192.0.2.0/28     AS64500 "Example Net A"    DE   192.0.2.16 and above: not covered
  198.51.100.0/24  AS64501 "Example Net B"    FR
  2001:db8::/32    AS64502 "Example Net Six"  NL
"""
import os
import sys

from mmdb_writer import MMDBWriter, MmdbU32
from netaddr import IPNetwork, IPSet

NETWORKS = [
    ("127.0.0.0/8", 64496, "Loopback Lab", "XL"),
    ("192.0.2.0/28", 64500, "Example Net A", "DE"),
    ("198.51.100.0/24", 64501, "Example Net B", "FR"),
    ("2001:db8::/32", 64502, "Example Net Six", "NL"),
]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        here, "..", "..", "scanner-bin", "tests", "fixtures", "asn")
    os.makedirs(out, exist_ok=True)

    asn = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-ASN",
                     languages=["en"], description={"en": "mxray test AS database"})
    country = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-Country",
                         languages=["en"], description={"en": "mxray test country database"})
    tsv = []
    for net, number, org, cc in NETWORKS:
        asn.insert_network(IPSet([net]), {
            "autonomous_system_number": MmdbU32(number),
            "autonomous_system_organization": org,
            "country": {"iso_code": cc},
        })
        country.insert_network(IPSet([net]), {"country": {"iso_code": cc}})
        n = IPNetwork(net)
        tsv.append(f"{n.network}\t{n.broadcast if n.version == 4 else n[-1]}\t{number}\t{cc}\t{org}")
    asn.to_db_file(os.path.join(out, "lab-asn.mmdb"))
    country.to_db_file(os.path.join(out, "lab-country.mmdb"))
    with open(os.path.join(out, "lab-ip2asn.tsv"), "w") as f:
        f.write("\n".join(tsv) + "\n")
    print(f"wrote lab-asn.mmdb, lab-country.mmdb, lab-ip2asn.tsv in {out}")


if __name__ == "__main__":
    main()
