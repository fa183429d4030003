"""The report as one self-contained HTML page: inline CSS, inline SVG charts, a little inline JavaScript for
the tabs and the sortable, filterable tables. Nothing is fetched when it is viewed."""
from __future__ import annotations

import json
from html import escape

from cybertype.io.charts import PALETTE, bars, histogram
from cybertype.io.report import Report, top_rules
from cybertype.labels import LABEL_IDS

_CSS = """
body{font:14px/1.45 system-ui,"Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#1f2d3a;color:#fff;padding:12px 20px}header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;color:#cfd8dc}main{padding:12px 20px}
nav button{font:inherit;padding:6px 14px;border:1px solid #bbb;background:#fff;cursor:pointer;margin-right:4px}
nav button.on{background:#1f2d3a;color:#fff}section{display:none}section.on{display:block}
.grid{display:flex;flex-wrap:wrap;gap:14px}.card{background:#fff;border:1px solid #ddd;padding:10px;border-radius:4px}
table{border-collapse:collapse;background:#fff}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;
vertical-align:top}th{background:#eceff1;cursor:pointer;user-select:none}th.sorted-asc::after{content:" ▲"}
th.sorted-desc::after{content:" ▼"}svg text{font-size:12px;fill:#222}svg text.title{font-weight:600}
mark{background:#ffe082;font-weight:600}.lab{display:inline-block;padding:0 6px;border-radius:8px;color:#fff;
margin:1px;font-size:12px}.err{color:#b71c1c}.muted{color:#777}.tools{margin:8px 0}
.tools input,.tools select{font:inherit;padding:3px 6px;margin-right:8px}dl{display:grid;
grid-template-columns:max-content auto;gap:2px 12px;margin:0}dt{color:#555}dd{margin:0;font-family:monospace;
word-break:break-all}
"""

_JS = """
const DATA = JSON.parse(document.getElementById('data').textContent);
const COLORS = DATA.colors;
function tab(name){document.querySelectorAll('nav button').forEach(b=>b.classList.toggle('on',b.dataset.tab===name));
 document.querySelectorAll('main>section').forEach(s=>s.classList.toggle('on',s.id===name));}
document.querySelectorAll('nav button').forEach(b=>b.addEventListener('click',()=>tab(b.dataset.tab)));
function labels(list){const f=document.createDocumentFragment();
 (list.length?list:['none']).forEach(l=>{const s=document.createElement('span');s.className='lab';
 s.style.background=COLORS[l]||'#555';s.textContent=l;f.appendChild(s);});return f;}
function evidence(r){const td=document.createElement('td');
 if(r.error){td.className='err';td.textContent=r.error;return td;}
 if(!r.ctx){td.className='muted';td.textContent='-';return td;}
 td.appendChild(document.createTextNode(r.ctx[0]));const m=document.createElement('mark');m.textContent=r.ctx[1];
 td.appendChild(m);td.appendChild(document.createTextNode(r.ctx[2]));
 if(r.rule){const s=document.createElement('div');s.className='muted';s.textContent=r.rule;td.appendChild(s);}
 return td;}
const COLS=[['id','id'],['source','source'],['labels','labels'],['primary','primary'],['score','top score'],
 ['uncertain','uncertain'],['ctx','top evidence in context']];
function makeTable(section,rows){
 const box=document.getElementById(section);const count=box.querySelector('.count');
 const q=box.querySelector('input');const sel=box.querySelector('select');const table=box.querySelector('table');
 let key='source',dir=1;
 const head=document.createElement('tr');
 COLS.forEach(([k,name])=>{const th=document.createElement('th');th.textContent=name;th.dataset.key=k;
  th.addEventListener('click',()=>{dir=(key===k)?-dir:1;key=k;render();});head.appendChild(th);});
 table.appendChild(head);const body=document.createElement('tbody');table.appendChild(body);
 function val(r,k){if(k==='labels'||k==='uncertain')return r[k].join(',');if(k==='ctx')return r.ctx?r.ctx.join(''):'';
  return r[k];}
 function render(){const term=q.value.toLowerCase();const lab=sel.value;
  const shown=rows.filter(r=>(!lab||r.labels.includes(lab)||r.primary===lab||(lab==='error'&&r.error))&&
   (!term||[r.id,r.source,r.rule,val(r,'ctx'),r.labels.join(' '),r.error||''].join(' ').toLowerCase().includes(term)));
  shown.sort((a,b)=>{const x=val(a,key),y=val(b,key);return (x<y?-1:x>y?1:0)*dir;});
  head.querySelectorAll('th').forEach(th=>{th.classList.toggle('sorted-asc',th.dataset.key===key&&dir===1);
   th.classList.toggle('sorted-desc',th.dataset.key===key&&dir===-1);});
  body.replaceChildren();
  shown.slice(0,DATA.max_rows).forEach(r=>{const tr=document.createElement('tr');
   [r.id,r.source].forEach(v=>{const td=document.createElement('td');td.textContent=v;tr.appendChild(td);});
   let td=document.createElement('td');td.appendChild(labels(r.labels));tr.appendChild(td);
   td=document.createElement('td');td.textContent=r.primary;tr.appendChild(td);
   td=document.createElement('td');td.textContent=r.score.toFixed(3);tr.appendChild(td);
   td=document.createElement('td');td.textContent=r.uncertain.join(', ');tr.appendChild(td);
   tr.appendChild(evidence(r));body.appendChild(tr);});
  count.textContent='Showing '+Math.min(shown.length,DATA.max_rows)+' of '+rows.length+' records'+
   (shown.length>DATA.max_rows?' (first '+DATA.max_rows+' of '+shown.length+' matches)':'');}
 q.addEventListener('input',render);sel.addEventListener('change',render);render();}
makeTable('records',DATA.rows);
makeTable('uncertain',DATA.rows.filter(r=>r.uncertain.length));
if(['records','uncertain'].includes(location.hash.slice(1)))tab(location.hash.slice(1));  // report.html#records
"""

MAX_ROWS = 5000  # rows drawn at once; the filter reaches every record


def _dl(items: dict) -> str:
    return "<dl>" + "".join(f"<dt>{escape(str(k))}</dt><dd>{escape(str(v))}</dd>" for k, v in items.items()) + "</dl>"


def _table_section(name: str, title: str) -> str:
    options = "".join(f'<option value="{x}">{x}</option>' for x in (*LABEL_IDS, "none", "error"))
    return (f'<section id="{name}"><h2>{escape(title)}</h2><div class="tools"><input type="search" '
            f'placeholder="filter: id, source, rule, text…"><select><option value="">every label</option>{options}'
            f'</select><span class="count"></span></div><table class="records"></table></section>')


def render(rep: Report) -> str:
    """The page, as one string."""
    uncertain = sum(1 for r in rep.rows if r["uncertain"])
    charts = [bars(sorted(rep.primary.items(), key=lambda kv: -kv[1]), "records per primary label"),
              bars([(label, rep.labels.get(label, 0)) for label in LABEL_IDS], "records per label (multi-label)")]
    hists = "".join(f'<div class="card">{histogram(rep.scores.get(label, []), f"{label} score", PALETTE[label])}'
                    f"</div>" for label in LABEL_IDS)
    rules = top_rules(rep)
    rule_rows = "".join(f"<tr><td>{escape(rid)}</td><td>{escape(info['label'])}</td><td>{info['weight']:+g}</td>"
                        f"<td>{info['texts']}</td></tr>" for rid, info in rules)
    errors = bars(sorted(rep.errors.items(), key=lambda kv: -kv[1]), "error records by type")
    redaction = ("personal data shown unmasked (--no-redact)" if rep.redact == "none"
                 else f"personal data masked ({rep.redact}) in every text shown")
    context = "evidence shown in its context from --inputs" if rep.contexts else "no --inputs: evidence without context"
    notes = f"{rep.records} records" + (f", {rep.unreadable_lines} unreadable line(s) skipped"
                                        if rep.unreadable_lines else "")
    data = {"rows": rep.rows, "colors": PALETTE, "max_rows": MAX_ROWS}
    # Inside <script>, "</" and line separators must not appear raw: escaped, the JSON parses the same.
    payload = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace("\u2028", "\\u2028") \
        .replace("\u2029", "\\u2029")
    card = (f'<div class="card"><h3>model card</h3>{_dl(rep.model_card)}</div>' if rep.model_card else "")
    return f"""<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>cybertype report: {escape(rep.title)}</title><style>{_CSS}</style></head>
<body><header><h1>cybertype report: {escape(rep.title)}</h1>
<p>{escape(notes)} · {escape(redaction)} · {escape(context)}</p></header>
<main><nav><button data-tab="overview" class="on">Overview</button><button data-tab="records">Records</button>
<button data-tab="uncertain">Uncertain ({uncertain})</button></nav>
<section id="overview" class="on"><div class="grid">
<div class="card"><h3>provenance</h3>{_dl(rep.provenance)}</div>{card}</div>
<h2>Labels</h2><div class="grid"><div class="card">{charts[0]}</div><div class="card">{charts[1]}</div></div>
<h2>Score distribution per label</h2><div class="grid">{hists}</div>
<h2>Rules that fired most</h2><table><tr><th>rule</th><th>label</th><th>weight</th><th>texts</th></tr>
{rule_rows or '<tr><td colspan="4" class="muted">no rule fired</td></tr>'}</table>
<h2>Errors</h2><div class="card">{errors}</div></section>
{_table_section("records", "Records")}
{_table_section("uncertain", "Uncertain: a label's score lies near its threshold")}
</main><script id="data" type="application/json">{payload}</script><script>{_JS}</script></body></html>
"""
