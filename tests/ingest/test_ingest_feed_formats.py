"""The open feed layouts (REFERENCE.md "Open feed layouts"): good rows become records, bad rows are rejected with line and reason."""

from __future__ import annotations

import json

from aspjoc.marking import TLP

from ingest_helpers import read, records, rejected

URLHAUS_CSV = b'''################################################################
# abuse.ch URLhaus Database Dump (CSV - recent URLs)                 #
# Last updated: 2026-05-30 10:00:00 (UTC)                           #
################################################################
#
# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter
"3001","2026-05-30 09:12:01","http://198.51.100.23:48213/bins/mozi.m","online","2026-05-30 09:40:00","malware_download","32-bit,elf,mips,Mozi","https://urlhaus.abuse.ch/url/3001/","geenensp"
"3002","2026-05-30 09:13:44","https://files-update.example/wp/x.exe","offline","","malware_download","exe","https://urlhaus.abuse.ch/url/3002/","abuse_ch"
"3003","not a date","http://203.0.113.9/a","online","","malware_download","","https://urlhaus.abuse.ch/url/3003/","x"
"3004","2026-05-30 09:15:00","http://203.0.113.9/b","online"
"3005","2026-05-29 01:00:00","http://old.example/c","offline","malware_download","elf","https://urlhaus.abuse.ch/url/3005/","old-layout"
'''


def test_urlhaus_csv_reads_rows_and_rejects_bad_ones_with_line_numbers() -> None:
    items = read("urlhaus-csv", URLHAUS_CSV)
    good = records(items)
    assert [r.value for r in good] == ["http://198.51.100.23:48213/bins/mozi.m", "https://files-update.example/wp/x.exe",
                                       "http://old.example/c"]
    first = good[0]
    assert first.type == "url" and first.crime_type == "malware" and first.index == 7
    assert "Mozi" in first.tags and first.first_seen is not None and first.last_seen is not None
    assert first.last_seen > first.first_seen
    bad = rejected(items)
    assert [(r.index, r.field) for r in bad] == [(9, "dateadded"), (10, "row")]
    assert "not a date" in bad[0].reason and "4 fields" in bad[1].reason


def test_urlhaus_json_reads_entries() -> None:
    data = {"3001": [{"dateadded": "2026-05-30 09:12:01 UTC", "url": "http://198.51.100.23/x", "url_status": "online",
                      "last_online": None, "threat": "malware_download", "tags": ["elf", "Mozi"], "urlhaus_link": "", "reporter": "r"}],
            "3002": [{"dateadded": "yesterday", "url": "http://a.example/", "threat": "malware_download", "tags": None}],
            "3003": ["not an object"]}
    items = read("urlhaus-json", json.dumps(data).encode())
    assert [r.value for r in records(items)] == ["http://198.51.100.23/x"]
    assert [(r.index, r.field) for r in rejected(items)] == [(2, "dateadded"), (3, "entry")]


THREATFOX_CSV = b'''################################################################
# ThreatFox IOCs: recent                                          #
################################################################
#
# "first_seen_utc","ioc_id","ioc_value","ioc_type","threat_type","fk_malware","malware_alias","malware_printable","last_seen_utc","confidence_level","is_compromised","reference","tags","anonymous","reporter"
"2026-05-30 08:00:00", "1001", "198.51.100.77:443", "ip:port", "botnet_cc", "win.cobalt_strike", "None", "Cobalt Strike", "None", "100", "False", "None", "c2,cs", "0", "abuse_ch"
"2026-05-30 08:01:00", "1002", "evil-cdn.example", "domain", "payload_delivery", "win.agent_tesla", "None", "Agent Tesla", "2026-05-30 09:00:00", "75", "False", "None", "None", "0", "abuse_ch"
"2026-05-30 08:02:00", "1003", "xyz", "jarm_hash", "botnet_cc", "x", "None", "X", "None", "50", "False", "None", "None", "0", "r"
"2026-05-30 08:03:00", "1004", "d41d8cd98f00b204e9800998ecf8427e", "md5_hash", "payload", "x", "None", "X", "None", "high", "False", "None", "None", "0", "r"
"2026-05-30 08:04:00", "1005", "short row"
# Number of entries: 5
'''


def test_threatfox_csv_reads_rows_and_rejects_bad_ones() -> None:
    items = read("threatfox-csv", THREATFOX_CSV)
    good = records(items)
    assert [(r.value, r.type, r.crime_type, r.confidence) for r in good] == [
        ("198.51.100.77", "ipv4", "botnet", 100), ("evil-cdn.example", "domain", "malware", 75)]
    assert [(r.index, r.field) for r in rejected(items)] == [(8, "ioc_type"), (9, "confidence_level"), (10, "row")]


def test_threatfox_json_reads_entries() -> None:
    data = {"1001": [{"ioc_value": "http://pay.example/x", "ioc_type": "url", "threat_type": "payload_delivery",
                      "malware_printable": "Emotet", "first_seen_utc": "2026-05-30 08:00:00", "last_seen_utc": None,
                      "confidence_level": 90, "tags": "emotet, epoch5", "reporter": "r"}],
            "1002": [{"ioc_value": "x", "ioc_type": "x509", "threat_type": "botnet_cc"}]}
    items = read("threatfox-json", json.dumps(data).encode())
    good = records(items)
    assert [(r.value, r.confidence) for r in good] == [("http://pay.example/x", 90)]
    assert {"emotet", "epoch5", "Emotet"} <= set(good[0].tags)
    assert [(r.index, r.field) for r in rejected(items)] == [(2, "ioc_type")]


def test_feodo_blocklist_reads_ips_as_botnet_c2() -> None:
    data = b'''#################################################################
# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (CSV)           #
#################################################################
first_seen_utc,dst_ip,dst_port,c2_status,last_online,malware
2026-05-01 10:00:00,198.51.100.5,443,online,2026-05-30,QakBot
2026-05-02 11:00:00,198.51.100.6,8080,offline
bad,198.51.100.7,443,online,,Dridex
'''
    items = read("feodo", data)
    good = records(items)
    assert [(r.value, r.crime_type, r.tags) for r in good] == [("198.51.100.5", "botnet", ("QakBot",))]
    assert [(r.index, r.field) for r in rejected(items)] == [(6, "row"), (7, "first_seen_utc")]


def test_openphish_reads_one_url_per_line() -> None:
    items = read("openphish", b"https://login-verify.example/a\n\nhttp://bank.example@phish.example/\n")
    assert [(r.index, r.value, r.crime_type) for r in records(items)] == [
        (1, "https://login-verify.example/a", "phishing"), (3, "http://bank.example@phish.example/", "phishing")]


def test_phishtank_reads_rows_with_target() -> None:
    data = b'''phish_id,url,phish_detail_url,submission_time,verified,verification_time,online,target
8001,https://paypa1.example/signin,http://www.phishtank.com/phish_detail.php?phish_id=8001,2026-05-30T08:00:00+00:00,yes,2026-05-30T08:10:00+00:00,yes,PayPal
8002,https://x.example/,http://www.phishtank.com/phish_detail.php?phish_id=8002,last tuesday,yes,,yes,Other
8003,https://y.example/
'''
    items = read("phishtank", data)
    good = records(items)
    assert [(r.value, r.tags, r.confidence) for r in good] == [("https://paypa1.example/signin", ("PayPal",), 90)]
    assert [(r.index, r.field) for r in rejected(items)] == [(3, "submission_time"), (4, "row")]


def test_generic_csv_uses_the_column_mapping() -> None:
    data = b'''indicator,what,category,score,seen
+66 81 234 5678,phone,investment_scam,80,2026-05-01
TH:004:1234567890,bank_account,money_mule,high,2026-05-02
192.0.2.10,,phishing,10,someday
'''
    items = read("csv", data, column_map={"value": "indicator", "type": "what", "crime_type": "category",
                                          "confidence": "score", "first_seen": "seen"})
    good = records(items)
    assert [(r.value, r.type, r.crime_type, r.confidence) for r in good] == [
        ("+66 81 234 5678", "phone", "investment_scam", 80)]
    assert [(r.index, r.field) for r in rejected(items)] == [(3, "confidence"), (4, "first_seen")]


def test_generic_csv_refuses_a_mapping_to_a_missing_column() -> None:
    import pytest

    from aspjoc.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        read("csv", b"a,b\n1,2\n", column_map={"value": "indicator"})
    assert caught.value.field == "map" and "indicator" in caught.value.reason


def test_plain_list_numbers_lines_and_skips_comments() -> None:
    items = read("list", b"# header\n192.0.2.1\n\n  +679 999 0001  \n")
    assert [(r.index, r.value, r.type) for r in records(items)] == [(2, "192.0.2.1", None), (4, "+679 999 0001", None)]


def test_misp_distribution_all_communities_is_green_unless_tagged_clear() -> None:
    def event(tags: list[str]) -> bytes:
        return json.dumps({"Event": {"info": "phishing wave", "distribution": "3", "Tag": [{"name": t} for t in tags],
                                     "Attribute": [{"type": "domain", "value": "login-check.example", "category": "Network activity"}]}}).encode()

    untagged = records(read("misp", event([])))
    tagged = records(read("misp", event(["tlp:clear"])))
    assert untagged[0].marking is not None and untagged[0].marking.tlp is TLP.GREEN
    assert tagged[0].marking is not None and tagged[0].marking.tlp is TLP.CLEAR
