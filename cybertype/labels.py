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
    name_terms: tuple[str, ...] = ()
    """Words that name the scheme itself (normalized forms). A text of this typology without any
    of them is *implicit*: it describes the behaviour, the way many real reports read."""


NONE = "none"

LABELS: tuple[Label, ...] = (
    Label(
        id="pig_butchering",
        zh="杀猪盘",
        en="Pig-butchering (romance-investment fraud)",
        definition="An online relationship groomed over time steers the victim onto an investment, "
        "trading, lottery or betting platform the scammers control; withdrawals fail and fees are demanded.",
        legal_basis="PRC Criminal Law Art. 266 (fraud)",
        name_terms=("杀猪盘", "杀猪", "养猪", "pig butcher", "killing pig", "sha zhu pan", "shazhupan", "szp",
                    "romance baiting"),
    ),
    Label(
        id="fake_anchor_tipping",
        zh="虚假主播打赏",
        en="Fake-anchor tipping fraud",
        definition="A fake live-stream host, guild or 1-to-1 chat persona induces tips, gifts, recharges or "
        "rank pushes with promised dates, refunds, commissions or income.",
        legal_basis="PRC Criminal Law Art. 266 (fraud)",
        name_terms=("虚假主播", "假主播", "主播打赏", "打赏诈骗", "直播诈骗", "骗赏", "fake anchor", "fake streamer",
                    "fake host", "live broadcast reward", "livestream romance scam"),
    ),
    Label(
        id="two_cards",
        zh="两卡",
        en='"Two cards" trafficking (phone cards and bank/payment accounts)',
        definition="Selling, renting, lending, buying or collecting phone cards or bank and payment accounts, "
        "or lending one's own accounts to move money for others (running scores, cash-out).",
        legal_basis="PRC Criminal Law Art. 287-2 (helping information-network crime); Art. 177-1; Art. 312",
        name_terms=("两卡", "帮信", "断卡", "帮助信息网络", "two cards", "money mule", "mule account",
                    "helping information network", "card breaking", "broken card"),
    ),
    Label(
        id="online_gambling",
        zh="网络赌博",
        en="Online gambling",
        definition="Operating, promoting, agenting or joining gambling over the internet: sites and apps, "
        "live-dealer tables, sports betting, red-packet groups, recruiting gamblers, moving gambling funds.",
        legal_basis="PRC Criminal Law Art. 303 (gambling; opening a casino)",
        name_terms=("赌博", "赌场", "网赌", "博彩", "gambling", "gamble", "casino"),
    ),
    Label(
        id="defamation",
        zh="网络诽谤",
        en="Online defamation",
        definition="Fabricating or spreading false statements online that damage a specific person's or "
        "business's reputation: rumors, doctored pictures or chats, false accusations, coordinated smears.",
        legal_basis="PRC Criminal Law Art. 246 (defamation); Art. 221 (damaging business reputation)",
        name_terms=("诽谤", "造谣", "谣言", "defamation", "defame", "defamatory", "libel", "slander", "rumor", "rumour"),
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


def is_implicit(normalized_text: str, label_id: str) -> bool:
    """True when a (normalized) text names none of the scheme-name terms of `label_id`."""
    return not any(term in normalized_text for term in get(label_id).name_terms)
