"""STIX marking-definition ids of TLP 1.0 and TLP 2.0, both understood (REFERENCE.md, "TLP 2.0").

TLP 1.0 WHITE is TLP 2.0 CLEAR; 1.0 GREEN, AMBER and RED equal their 2.0 counterparts; AMBER+STRICT
exists only in 2.0 (extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d).
"""

from __future__ import annotations

from aspjoc.marking import TLP

TLP2_IDS = {
    TLP.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    TLP.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    TLP.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    TLP.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    TLP.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP1_IDS = {
    TLP.CLEAR: "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    TLP.GREEN: "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    TLP.AMBER: "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    TLP.RED: "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
}
TLP_BY_MARKING_ID: dict[str, TLP] = {v: k for k, v in TLP2_IDS.items()} | {v: k for k, v in TLP1_IDS.items()}
