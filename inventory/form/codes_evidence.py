"""The issue codes of evidence files (attachments): a file refused for its size, type or name, or
for a locked return. Every one is a warning: a return is never refused for its evidence."""

from __future__ import annotations

WARNING = "warning"

ATTACH_ROWS: tuple[tuple[str, str, str, str, str], ...] = (
    ("ATTACH_EMPTY", WARNING, "证明材料是空文件", "证明材料是空文件（0 字节），没有保存", "请重新扫描或导出后再上传。"),
    (
        "ATTACH_TOO_LARGE",
        WARNING,
        "证明材料过大",
        "证明材料有 {value}，超过上限 {expected}，没有保存",
        "请压缩扫描件（如 200 dpi 黑白）或拆成几个文件。",
    ),
    (
        "ATTACH_TYPE",
        WARNING,
        "证明材料类型不接受",
        "文件内容不是可接受的类型（开头字节：{value}），没有保存",
        "请上传 PDF、OFD、PNG、JPEG、Word（.docx）或 Excel（.xlsx）文件。",
    ),
    (
        "ATTACH_ACTIVE",
        WARNING,
        "证明材料含网页或脚本",
        "文件内容是{value}，可能含可执行的脚本，没有保存",
        "请把材料另存为 PDF 或图片后再上传。",
    ),
    (
        "ATTACH_EXT_MISMATCH",
        WARNING,
        "扩展名与内容不符",
        "文件内容是{value}，扩展名却是“{expected}”，没有保存",
        "请确认选对了文件；改过扩展名的，请按文件实际的格式另存后再上传。",
    ),
    (
        "ATTACH_ZIP_BOMB",
        WARNING,
        "证明材料解压后异常",
        "文件解压后 {value}，超过上限 {expected}，没有保存",
        "请检查文件来源，重新导出后再上传。",
    ),
    (
        "ATTACH_NAME",
        WARNING,
        "证明材料文件名不合规则",
        "文件名“{value}”不符合“系统编号_材料名称.扩展名”或“单位_材料名称.扩展名”，没有保存",
        "请按填报说明给文件命名，如 XT-001_等保备案证明.pdf。",
    ),
    (
        "ATTACH_KIND",
        WARNING,
        "不认识的材料名称",
        "材料名称“{value}”不在可上传的种类中（{expected}），没有保存",
        "请使用填报说明列出的材料名称。",
    ),
    (
        "ATTACH_SYSTEM",
        WARNING,
        "没有这个系统编号",
        "本单位当前的报表中没有系统编号“{value}”，证明材料没有保存",
        "请核对文件名中的系统编号是否与系统清单一致。",
    ),
    ("ATTACH_LOCKED", WARNING, "报表已锁定", "证明材料没有保存：{value}", "需要补充材料的，请联系项目办重新打开。"),
    (
        "ATTACH_TOO_MANY",
        WARNING,
        "证明材料过多",
        "本单位本轮已有 {value} 个证明材料，达到上限，没有保存",
        "请删去重复或无关的文件。",
    ),
)
