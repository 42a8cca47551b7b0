"""Terminal tables for the streaming, forgetting and update-following results (percentages, one decimal)."""

from __future__ import annotations

from typing import Any

TABLE_KS = (2, 5, 10)


def _pct(value: float) -> str:
    return f"{100 * value:6.1f}"


def _recalls(scores: dict[str, Any]) -> str:
    return "".join(_pct(scores[f"recall@{k}"]) for k in TABLE_KS)


def _lost(d: dict[str, int]) -> str:
    return f"{d['gold_lost']} in {d['questions']} qs ({d['entrants_later_parts']}/{d['entrants_already_there']})"


def format_stream(result: dict[str, Any]) -> str:
    """Per part: recall on the questions answerable so far (memrag, dense), EM/F1; then backward transfer."""
    ks = "".join(f"{'R@' + str(k):>6}" for k in TABLE_KS)
    rows = [
        f"stream of {len(result['parts'])} parts by {result['stream_by']} (seed {result['seed']}), {result['dataset']}",
        f"{'part':>4}{'+pass':>7}{'qs':>5} | memrag{ks} | dense {ks} |{'EM':>6}{'F1':>6} | index s",
    ]
    for p in result["parts"]:
        reading = f"{_pct(p['memrag']['em'])}{_pct(p['memrag']['f1'])}" if "em" in p["memrag"] else " " * 12
        rows.append(
            f"{p['part']:>4}{p['passages_added']:>7}{p['questions']:>5} |       {_recalls(p['memrag'])} |"
            f"       {_recalls(p['dense'])} |{reading} | {p['index_s']:7.1f}"
        )
    rows.append("backward transfer: recall of part j's questions after the last part minus right after part j")
    rows.append(
        f"{'part':>4}{'qs':>5} | memrag{ks} | dense {ks} | memrag gold lost from top 5, top 10 (entrants new/old)"
    )
    for b in result["backward_transfer"]:
        lost = ", ".join(_lost(b["displaced"][f"top{k}"]) for k in (5, 10))
        rows.append(
            f"{b['part']:>4}{b['questions']:>5} |       {_recalls(b['memrag'])} |       {_recalls(b['dense'])} | {lost}"
        )
    check = result["batch_check"]
    same = result["questions"] - len(check["differing_questions"])
    rows.append(
        f"equals batch: {'yes' if result['equals_batch'] else 'NO'} ({same}/{result['questions']} questions with "
        f"identical rankings; batch indexing {check['index_s']:.1f} s)"
    )
    rows.append(f"drops > 1 point in an earlier part's recall: {len(result['drops'])}")
    rows.extend(
        f"  part {d['part']} after part {d['after_part']}: {d['system']} {d['k']} {100 * d['change']:+.1f}"
        for d in result["drops"]
    )
    return "\n".join(rows)


def format_forget(forget: dict[str, Any]) -> str:
    r = forget["records"]
    before = " ".join(_pct(s["memrag"]["recall@10"]).strip() for s in forget["recall_before"])
    after = " ".join(_pct(s["memrag"]["recall@10"]).strip() for s in forget["recall_after"])
    return "\n".join(
        [
            f"forget part {forget['part']}: {forget['documents']} documents deleted in {forget['delete_s']:.1f} s",
            f"  forgotten gold passages of its {forget['questions_of_part']} questions in their top 10: "
            f"{forget['gold_in_top10']} (of {forget['gold_passages_forgotten']}); forgotten passages in any "
            f"top 10: {forget['forgotten_in_any_top10']}",
            f"  entities only in the part left: {r['entities_left']} of {r['entities_only_in_part']}; facts: "
            f"{r['facts_left']} of {r['facts_only_in_part']}; shared entities / facts lost: "
            f"{r['shared_entities_lost']} / {r['shared_facts_lost']}",
            f"  rankings equal to a memory that never had the part: {forget['other_identical']}/"
            f"{forget['other_questions']} other questions ({forget['own_identical']}/{forget['questions_of_part']} "
            f"of its own); graph equal: {'yes' if forget['graph_equals_never_had'] else 'NO'}",
            f"  memrag R@10 per part's questions, before → after: {before} → {after}",
        ]
    )


def format_counterfactual(result: dict[str, Any]) -> str:
    s = result["shares"]
    return "\n".join(
        [
            f"update-following: {result['updates']} answers renamed in their gold passage, "
            f"{result['documents_updated']} documents updated; reader {result['reader']}",
            f"  before: old answer named and its document cited  {_pct(s['before_old_named_and_cited'])} %",
            f"  after:  follows the update (new name, cites it)  {_pct(s['follows_update'])} %",
            f"          old name no longer in the answer         {_pct(s['old_name_gone'])} %",
            f"          both                                     {_pct(s['follows_and_old_gone'])} %",
            f"          follows, of those answered before         {_pct(s['follows_when_answered_before'])} %",
            f"          updated passage among those read         {_pct(s['updated_passage_shown'])} %"
            f" (top 10: {_pct(s['updated_passage_in_top10']).strip()} %; the old one before:"
            f" {_pct(s['old_passage_shown_before']).strip()} %)",
            f"  old passages left in the store: {result['old_passages_left']}; old answers still named by another "
            f"passage: {result['old_name_elsewhere']}",
        ]
    )
