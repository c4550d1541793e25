# Regenerates jinja-reference.json: each snippet rendered by Python Jinja2 (3.1.x) configured like HF
# transformers' chat-template environment (trim_blocks, lstrip_blocks, loopcontrols, HF's tojson) plus
# the `do` extension. Run: python3 generate_reference.py
import json, os, jinja2, jinja2.ext
env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols, jinja2.ext.do])
def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)
env.filters['tojson'] = tojson
V = {"msgs": [{"role": "system", "content": "sys"}, {"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo", "tool_calls": [{"function": {"name": "f", "arguments": {"a": 1, "b": [1, 2.5, "x"]}}}]}],
     "d": {"b": 2, "a": 1, "C": 3}, "s": "  Hello World  ", "n": 7, "f": 2.5, "items": [3, 1, 2], "words": ["b", "A", "a", "c"], "nested": {"x": {"y": [10, 20, 30]}}, "uni": "Ça va? 🦙", "none": None, "t": True}
S = r'''
{{ 'a' }}  {{ "b" }}
{% if n > 5 %}big{% else %}small{% endif %}
x {% if true %}
  yes
{% endif %}
y
  {% for i in items %}
  - {{ i }}
  {% endfor %}
end
{%- for i in items -%} [{{ i }}] {%- endfor %}
{% for i in items %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.first }}/{{ loop.last }}/{{ loop.length }};{% endfor %}
{% for i in items %}{{ loop.previtem|default('-') }}>{{ i }}>{{ loop.nextitem|default('-') }} {% endfor %}
{% for i in items %}{{ loop.cycle('odd', 'even') }}{% endfor %}
{% for i in items if i > 1 %}{{ i }}:{{ loop.length }}{% if not loop.last %},{% endif %}{% endfor %}
{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}
{% for k in d %}{{ k }}{% endfor %}
{% for x in [] %}no{% else %}empty{% endfor %}
{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}{% endif %}{{ i }}{% endfor %}
{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }}{% endfor %}
{{ range(3)|list }} {{ range(1, 10, 3)|list }} {{ range(5, 0, -2)|list }}
{% set x = 5 %}{% for i in items %}{% set x = i %}{% endfor %}{{ x }}
{% set ns = namespace(total=0) %}{% for i in items %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }}
{% set a, b = 1, 2 %}{{ a }}{{ b }}
{% set block %}  inner {{ n }}  {% endset %}[{{ block }}]
{% set block2 | trim | upper %}  inner  {% endset %}[{{ block2 }}]
{% filter upper %}shout {{ s|trim }}{% endfilter %}
{% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet('Bob') }} {{ greet('Ann', greeting='Hi') }} {{ greet(greeting='Yo', name='Z') }}
{% macro fact(k) %}{% if k <= 1 %}1{% else %}{{ k * fact(k - 1)|int }}{% endif %}{% endmacro %}{{ fact(6) }}
{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}body {{ n }}{% endcall %}
{% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}{% call(v) each([1,2]) %}({{ v }}){% endcall %}
{{ s|trim }}|{{ s|upper }}|{{ s|lower }}|{{ s|title }}|{{ 'hello WORLD'|capitalize }}|{{ s|replace('l', 'L') }}|{{ s|length }}
{{ s.strip() }}|{{ s.lstrip() }}|{{ s.rstrip() }}|{{ 'xxhixx'.strip('x') }}|{{ s.split() }}|{{ 'a,b,,c'.split(',') }}|{{ 'a b c'.split(' ', 1) }}
{{ 'hello'.startswith('he') }} {{ 'hello'.endswith('lo') }} {{ 'hello'.startswith(('x', 'h')) }} {{ 'hello'.find('l') }} {{ 'hello'.count('l') }} {{ 'hello'.upper() }} {{ 'hello world'.title() }} {{ "they're bill's".title() }}
{{ 'a-b c'|title }} {{ 'hello'.replace('l', 'L', 1) }} {{ '{} and {}'.format(1, 'two') }} {{ '{0}{1}{0}'.format('a', 'b') }} {{ '{name}!'.format(name='N') }}
{{ items|join(', ') }} {{ words|join }} {{ msgs|map(attribute='role')|join('/') }} {{ msgs|selectattr('role', 'equalto', 'user')|list|length }} {{ msgs|rejectattr('role', 'equalto', 'user')|map(attribute='content')|list }}
{{ msgs|selectattr('tool_calls', 'defined')|list|length }} {{ msgs|selectattr('tool_calls')|list|length }} {{ items|select('odd')|list }} {{ items|reject('odd')|list }} {{ words|map('upper')|list }}
{{ items|first }} {{ items|last }} {{ items|sort }} {{ items|sort(reverse=true) }} {{ words|sort }} {{ words|sort(case_sensitive=true) }} {{ words|unique|list }} {{ items|reverse|list }} {{ 'abc'|reverse }}
{{ d|dictsort }} {{ d|items|list }} {{ d.keys()|list }} {{ d.values()|list }} {{ d.get('a') }} {{ d.get('zz', 'dflt') }} {{ d.get('zz') }} {{ d|length }}
{{ undefined_var|default('dv') }} {{ ''|default('ev', true) }} {{ none|default('nd') }} {{ ''|default('x') }}|{{ undefined_var }}|{{ d.zz }}|
{{ 1 + 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 6 / 3 }} {{ 2 ** 10 }} {{ 2 ** 3 ** 2 }} {{ 1.5 + 1 }} {{ 0.1 + 0.2 }} {{ 1e20 }} {{ 1e-5 }} {{ 123456789.0 * 1000 }} {{ 1/3 }}
{{ 'a' ~ 1 ~ none ~ true }} {{ 'ab' * 3 }} {{ [1] * 3 }} {{ [1, 2] + [3] }} {{ -n }} {{ +f }} {{ not t }}
{{ 1 < 2 < 3 }} {{ 3 > 2 > 5 }} {{ 'a' < 'b' }} {{ 1 == 1.0 }} {{ 'x' in 'xyz' }} {{ 2 in items }} {{ 'a' in d }} {{ 'q' not in d }} {{ [1, 2] == [1, 2] }} {{ none == none }}
{{ n is odd }} {{ n is even }} {{ n is divisibleby 7 }} {{ n is divisibleby(2) }} {{ n is number }} {{ f is integer }} {{ n is integer }} {{ s is string }} {{ d is mapping }} {{ items is iterable }} {{ s is iterable }} {{ n is iterable }}
{{ none is none }} {{ t is boolean }} {{ t is true }} {{ t is false }} {{ undefined_var is defined }} {{ undefined_var is undefined }} {{ n is not none }} {{ 2 is in items }} {{ n is sameas 7 }} {{ items is sequence }} {{ d is sequence }} {{ 'x' is equalto 'x' }}
{{ items[0] }} {{ items[-1] }} {{ items[1:] }} {{ items[:-1] }} {{ items[::-1] }} {{ items[::2] }} {{ 'hello'[1:3] }} {{ 'hello'[-3:] }} {{ 'hello'[::-1] }} {{ nested.x.y[1] }} {{ nested['x']['y'][-1] }} {{ nested.x.y.0 }}
{{ 'yes' if t else 'no' }} {{ 'yes' if not t else 'no' }} [{{ 'only' if false }}] {{ t and 'A' or 'B' }} {{ none or 'fallback' }} {{ 0 and 1 }} {{ [] or 'E' }}
{{ items }} {{ d }} {{ none }} {{ t }} {{ f }} {{ ('a', 1) }} {{ ('one',) }} {{ "it's" }} {{ ["it's", 'say "x"'] }} {{ {'a': [1, {'b': none}]} }} {{ 1.0 }} {{ 10.0 / 4 }}
{{ d|tojson }} {{ msgs[2]|tojson }} {{ msgs[2]|tojson(indent=2) }} {{ uni|tojson }} {{ "quote\"back\\slash\nnl\ttab"|tojson }} {{ [1, 2.0, none, true]|tojson }} {{ {}|tojson(indent=4) }} {{ d|tojson(sort_keys=true) }}
{{ "line1\nline2\n\nline4"|indent(4) }}|{{ "line1\nline2"|indent(2, true) }}|{{ "a\n\nb"|indent(2, blank=true) }}|{{ "x"|indent }}
{{ f|round }} {{ 2.567|round(2) }} {{ 2.5|round }} {{ 3.5|round }} {{ -2.5|round }} {{ 2.1|round(0, 'ceil') }} {{ '42'|int }} {{ '4.7'|int }} {{ 'x'|int }} {{ 'x'|int(5) }} {{ '3.5'|float }} {{ 4|float }} {{ -3|abs }} {{ n|string ~ '!' }}
{{ 'one two  three'|wordcount }} {{ items|batch(2)|list }} {{ items|sum }} {{ items|min }} {{ items|max }} {{ "%s-%d"|format('a', 5) }} {{ "%05.2f"|format(3.14159) }} {{ 'x %s y' % 'Q' }} {{ '%s/%s' % (1, 2) }}
{{ uni }} {{ uni|length }} {{ uni|upper }} {{ uni[0] }} {{ 'héllo'|title }}
{# comment #}after-comment
  {# indented comment #}
next
{% raw %}{{ not rendered }}{% endraw %}
{{ '\u00e9\x41\101\t|' }} {{ 'a' 'b' }} {{ "'" + '"' }}
{% set lst = [] %}{% do lst.append(1) %}{% do lst.append(2) %}{{ lst }} {{ lst.pop() }} {{ lst }}
{% set dd = {'k': 'v'} %}{{ dd.k }} {{ dd['k'] }} {{ {'x': 1}.x }}
{{ msgs[2].tool_calls[0].function.arguments|tojson }} {{ msgs[1]['content'] | trim + '!' }}
{{ "a" if "" else "b" }} {{ 10 if n is defined }} {{ n if n > 100 else n * 2 }}
{{ items|map('string')|join('-') }} {{ [3, 'x']|map('string')|list }} {{ [1.5, 2]|map('int')|list }}
{{ "Hello"|lower|replace("l", "") }} {{ -1|abs }} {{ (1, 2) + (3,) }} {{ 4 - 1.5 }} {{ 3 * 1.5 }} {{ 2 ** -1 }} {{ 9 ** 0.5 }}
'''
chunks = [c for c in S.strip('\n').split('\n')]
# The first 12 lines form one template (whitespace control across lines); every other line is its own template.
templates = ['\n'.join(chunks[0:12])] + chunks[12:]
# Whitespace-control templates, each rendered whole.
WS = [
    "a\n  {% if t %}\n    b\n  {% endif %}\nc\n",
    "a\n  {%+ if t %}\n    b\n  {% endif +%}\nc",
    "a  {% if t %}b{% endif %}  c\n\n",
    "{{ n }}  {% if t %}x{% endif %}\n  {{ n }}\n",
    "  {# c #}\nline\n    {#- c -#}   \n  z",
    "x\n\n   {%- if t -%}\n\n  y  \n\n  {%- endif -%}\n\n z",
    "{% for i in items %}\n  {{- i -}}\n{% endfor %}\n",
    "{% for i in items %}\n{{ i }}\n{% endfor %}",
    "start\r\n  {% if t %}\r\n  mid\r\n  {% endif %}\r\nend\r\n",
    "{% macro m(x) %}\n  <{{ x }}>\n{% endmacro %}\n{{ m(1) }}{{ m(2) }}\n",
    "{% set v %}\n  keep\n{% endset %}[{{ v }}]",
    "{%- raw -%}  {{ raw }}  {%- endraw -%}  after",
    "A {{- ' b ' -}} C\n  {{ 'd' }}\t{% if t %}\te{% endif %}",
    "\t\t{% if t %}tabbed{% endif %}\n",
    "{{ 'x' }}\n\n",
]
templates = templates + WS
out = []
for t in templates:
    try:
        r = env.from_string(t).render(**V)
        out.append({"template": t, "expected": r})
    except Exception as e:
        out.append({"template": t, "error": str(e)})
json.dump({"vars": V, "cases": out}, open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'jinja-reference.json'), 'w'), ensure_ascii=False, indent=1)
for o in out:
    if 'error' in o: print("ERR", o['template'][:60], o['error'])
print(len(out))
