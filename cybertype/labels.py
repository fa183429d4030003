"""The taxonomy: the five typologies and `none`, as defined in the labeling guide.

This module is the only place that spells out label ids; everything else
imports `LABEL_IDS`, `NONE` or `LABELS` from here.
"""
from __future__ import annotations

from pydantic import BaseModel


class Label(BaseModel):
    """One typology of the taxonomy."""

    id: str
    zh: str
    en: str
    definition: str
    legal_basis: str


NONE = "none"

LABELS: tuple[Label, ...] = (
    Label(
        id="pig_butchering",
        zh="杀猪盘",
        en="Pig-butchering (romance-investment fraud)",
        definition="An online relationship groomed over time steers the victim onto an investment, "
        "trading, lottery or betting platform the scammers control; withdrawals fail and fees are demanded.",
        legal_basis="PRC Criminal Law Art. 266 (fraud)",
    ),
    Label(
        id="fake_anchor_tipping",
        zh="虚假主播打赏",
        en="Fake-anchor tipping fraud",
        definition="A fake live-stream host, guild or 1-to-1 chat persona induces tips, gifts, recharges or "
        "rank pushes with promised dates, refunds, commissions or income.",
        legal_basis="PRC Criminal Law Art. 266 (fraud)",
    ),
    Label(
        id="two_cards",
        zh="两卡",
        en='"Two cards" trafficking (phone cards and bank/payment accounts)',
        definition="Selling, renting, lending, buying or collecting phone cards or bank and payment accounts, "
        "or lending one's own accounts to move money for others (running scores, cash-out).",
        legal_basis="PRC Criminal Law Art. 287-2 (helping information-network crime); Art. 177-1; Art. 312",
    ),
    Label(
        id="online_gambling",
        zh="网络赌博",
        en="Online gambling",
        definition="Operating, promoting, agenting or joining gambling over the internet: sites and apps, "
        "live-dealer tables, sports betting, red-packet groups, recruiting gamblers, moving gambling funds.",
        legal_basis="PRC Criminal Law Art. 303 (gambling; opening a casino)",
    ),
    Label(
        id="defamation",
        zh="网络诽谤",
        en="Online defamation",
        definition="Fabricating or spreading false statements online that damage a specific person's or "
        "business's reputation: rumors, doctored pictures or chats, false accusations, coordinated smears.",
        legal_basis="PRC Criminal Law Art. 246 (defamation); Art. 221 (damaging business reputation)",
    ),
)

NONE_LABEL = Label(
    id=NONE,
    zh="其他",
    en="None of the five",
    definition="Everything else: other fraud types, other crimes and legitimate activity.",
    legal_basis="",
)

#: The five typology ids in their canonical order (scores and model columns follow it).
LABEL_IDS: tuple[str, ...] = tuple(label.id for label in LABELS)

_BY_ID = {label.id: label for label in (*LABELS, NONE_LABEL)}


def get(label_id: str) -> Label:
    """Return the label with this id (`none` included); KeyError if unknown."""
    return _BY_ID[label_id]


def all_labels() -> list[Label]:
    """The five typologies followed by `none`."""
    return [*LABELS, NONE_LABEL]
