"""Who attended: the 出席 / 列席 / 分送 lists of a report's tail → names, (unit, name) pairs, units.

Lists come as «陈 羔 吴 强 华建男» (spaced names), «区政府领导万利、张伟，区政协周黎敏» (units and
names run together) or, in news reports, as «区领导…出席会议» sentences.
"""

from __future__ import annotations

import re

from qa.meeting import Meeting, Observer
from qa.parse.layout import Layout
from qa.parse.patterns import HAN, NAME, Para

# Common surnames: where a name starts inside «单位名字» runs.
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆"
    "汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔"
    "伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙"
    "鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞"
    "姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘"
    "满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜"
    "羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡"
    "富尧闭由"
)
# Last characters of unit names (局, 委, 办 …): where a unit ends and a name begins.
_UNIT_END = set("局委办院会部厅处科室所站队心团司道镇乡区县市社联校馆场行组协署台关城专进盟网厂园库仓导")


def read_lists(layout: Layout, m: Meeting) -> None:
    """Fill ``attendees``, ``observers`` and ``recipients`` from the tail's lists (or, in a news
    report without lists, from its «…出席会议» sentences)."""
    section: str | None = None
    buffers: dict[str, list[str]] = {"出席": [], "列席": [], "分送": []}
    for para in layout.tail:
        text = para.text
        label = re.match(r"^(附[:]\s*)?(出席|参加|参会|列席|分送|主送|抄送|抄报|请假|缺席)[^:]{0,8}[:]?\s*", text)
        if label:
            key = {"参加": "出席", "参会": "出席"}.get(label.group(2), label.group(2))
            if key in ("请假", "缺席"):
                section = None  # absent members are neither attendees nor observers
                continue
            section = "分送" if key in ("主送", "抄送", "抄报") else key
            rest = text[label.end() :]
            if key in ("主送", "抄送", "抄报") or rest:
                buffers[section].append(rest)
            continue
        if section and not re.match(r"^(会议|\(此件|[^,。]{0,40}(办公室|整理|印发)$|\d{4}年)", text):
            buffers[section].append(text)
        else:
            section = None
    if buffers["出席"]:
        m.attendees = _parse_people(buffers["出席"])
    if buffers["列席"]:
        m.observers = [Observer(u, n) for u, n in _parse_units(buffers["列席"])]
    for chunk in buffers["分送"]:
        for unit in re.split(r"[,;、。\s]+", chunk):
            unit = unit.strip()
            if unit and unit not in m.recipients:
                m.recipients.append(unit)
    if not m.attendees:
        m.attendees = _news_attendees(layout.paras)


def _news_attendees(paras: list[Para]) -> list[str]:
    """Names in «区领导…出席/参加会议» sentences of news reports."""
    names: list[str] = []
    for para in paras:
        for sentence in re.split(r"[。;]", para.text):
            if not re.search(r"(出席|参加会议|参加|到会)(会议)?$", sentence):
                continue
            if re.search(r"列席|主持", sentence):
                sentence = re.split(r"列席|主持", sentence)[0]
            for part in re.split(r"[,、]", re.sub(r"(出席|参加|到会)(会议)?$|等$", "", sentence)):
                part = re.sub(r"^(?:出席会议的有)", "", part.strip())
                match = re.search(rf"(?:领导|长|书记|主任|委员|常委|成员|秘书长)?({NAME})$", part)
                if match and not re.search(r"(长|书记|主任|委员|常委|成员|领导|局|办|委|部)$", match.group(1)):
                    name = match.group(1)
                    if name[0] in _SURNAMES and name not in names:
                        names.append(name)
    return names


def _parse_people(chunks: list[str]) -> list[str]:
    """Names from 出席 lists: «陈 羔 吴 强 华建男» or «郑丙华、王莉萍» or «区政府领导万利、张伟,区政协周黎敏»."""
    text = " ".join(chunks)
    names: list[str] = []
    if re.search(r"[、,]", text):
        for _unit, name in _parse_units([text]):
            if name and name not in names:
                names.append(name)
        return names
    tokens = text.split()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if len(token) == 1 and i + 1 < len(tokens) and len(tokens[i + 1]) == 1:
            token += tokens[i + 1]
            i += 1
        if len(token) >= 2 and token not in names:
            names.append(token)
        i += 1
    return names


def _split_unit_name(entry: str) -> tuple[str, str]:
    """«区城管委范剑军» → (区城管委, 范剑军): the name is what follows a unit-like ending."""
    entry = entry.strip("。.;, ")
    if "·" in entry:
        match = re.search(rf"({NAME})$", entry)
        if match and "·" in match.group(1):
            return entry[: match.start()], match.group(1)
    best: tuple[int, int] | None = None
    for k in (3, 2):
        if len(entry) < k:
            continue
        unit = entry[:-k]
        score = 2 * (entry[-k] in _SURNAMES) + (bool(unit) and unit[-1] in _UNIT_END)
        if not unit:
            score += 1 if entry[-k] in _SURNAMES else 0
        if best is None or score > best[0]:
            best = (score, k)
    if best is None or best[0] < 2:
        return entry, ""
    k = best[1]
    return entry[:-k], entry[-k:]


def _split_run(entry: str) -> list[tuple[str, str]]:
    """Entries run together without a separator: «金阊街道周泳沧浪街道章云丽» → two pairs."""
    for i in range(2, len(entry) - 5):
        if entry[i - 1] not in _UNIT_END or entry[i] not in _SURNAMES:
            continue
        for n in (2, 3):
            rest = entry[i + n :]
            unit, name = _split_unit_name(rest)
            if name and len(unit) >= 2 and unit[-1] in _UNIT_END and name[0] in _SURNAMES:
                return [(entry[:i], entry[i : i + n]), *_split_run(rest)]
    unit, name = _split_unit_name(entry)
    return [(unit, name)]


def _parse_units(chunks: list[str]) -> list[tuple[str, str]]:
    """«市政府办王晨清、倪明德,市纪委监委高富堂» → [(市政府办, 王晨清), (市政府办, 倪明德), …]."""
    out: list[tuple[str, str]] = []
    # «县政府办 刘七»: a unit and a name separated by a space are one entry.
    text = re.sub(
        rf"(?<=[{''.join(sorted(_UNIT_END))}])[ ]+(?=[{''.join(sorted(_SURNAMES))}][{HAN}]{{1,2}}(?:[,;。、\s]|$))",
        "",
        " ".join(chunks),
    )
    for entry in re.split(r"[,;。\s]+", text):
        entry = entry.strip()
        if not entry:
            continue
        unit = ""
        pending_units: list[str] = []
        for k, part in enumerate(entry.split("、")):
            part = part.strip()
            if not part:
                continue
            if k == 0 or len(part) >= 4:
                pairs = _split_run(part)
                out.extend(pairs[:-1])
                part_unit, name = pairs[-1]
                if not name and k > 0 and len(part) <= 4 and part[0] in _SURNAMES:
                    part_unit, name = "", part  # a four-character name
                if not name:
                    pending_units.append(part_unit)
                    continue
                if part_unit:
                    unit = "、".join([*pending_units, part_unit]) if pending_units else part_unit
                pending_units = []
            else:
                name = part
            out.append((unit, name))
    return out
