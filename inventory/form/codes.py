"""The catalogue of issue codes: each code's severity, title, message template and hint.

Codes are stable: once released they never change meaning. `docs/errors.md` is generated from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from .codes_evidence import ATTACH_ROWS

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    severity: str
    title: str
    message: str  # template: {value} the actual value, {expected} what was expected
    hint: str
    group: str
    why: str = ""  # for rule codes: why this is an error or only a warning


def _codes(group: str, *rows: tuple[str, str, str, str, str]) -> list[Code]:
    return [Code(code, sev, title, msg, hint, group) for code, sev, title, msg, hint in rows]


SAVE_AS = "请在 Excel 或 WPS 中打开，选择“另存为”→“Excel 工作簿（*.xlsx）”后重新报送。"
FRESH = "请从下发的模板重新填报，或联系项目办获取最新模板。"

CATALOGUE: dict[str, Code] = {
    c.code: c
    for c in [
        *_codes(
            "文件",
            ("FILE_EMPTY", ERROR, "空文件", "文件是空的（0 字节）", "请重新导出并发送完整的报表文件。"),
            (
                "FILE_TOO_LARGE",
                ERROR,
                "文件过大",
                "文件大小 {value} 超过上限 {expected}",
                "请确认文件是否为本次报表；去掉无关的图片和工作表后再报送。",
            ),
            (
                "FILE_OLD_FORMAT",
                ERROR,
                "旧版 .xls 或 WPS .et 格式",
                "这是 Excel 97-2003（.xls）或 WPS 表格（.et）格式的文件，不是 .xlsx",
                SAVE_AS,
            ),
            (
                "FILE_ENCRYPTED",
                ERROR,
                "文件有打开密码",
                "文件设置了打开密码，无法读取",
                "请在 Excel/WPS 中取消文件密码（文件→信息→保护工作簿→用密码进行加密，清空密码），另存为 .xlsx 后重新报送。",
            ),
            (
                "FILE_CSV",
                ERROR,
                "CSV 或文本文件",
                "文件内容是 CSV 或纯文本，不是 Excel 工作簿",
                "请把数据填入下发的模板，保存为 .xlsx 后重新报送。",
            ),
            ("FILE_HTML", ERROR, "网页文件", "文件内容是网页（HTML），只是扩展名像 Excel", SAVE_AS),
            (
                "FILE_NOT_EXCEL",
                ERROR,
                "不是 Excel 文件",
                "无法识别的文件格式（文件头：{value}）",
                "请确认发送的是填好的 .xlsx 报表，而不是其他文件。",
            ),
            (
                "FILE_CORRUPT",
                ERROR,
                "文件损坏",
                "文件已损坏或不完整：{value}",
                "请重新保存原文件后再发送；通过微信等转发的文件请改用原件。",
            ),
            (
                "FILE_ZIP_BOMB",
                ERROR,
                "解压后异常巨大",
                "文件解压后 {value}，超过上限 {expected}，不像正常的报表",
                "请检查文件来源；正常报表解压后一般只有几十 MB。",
            ),
            (
                "FILE_XML_UNSAFE",
                ERROR,
                "含不安全的 XML",
                "文件内部含有不允许的 XML 声明（{value}）",
                "请用 Excel 或 WPS 重新另存为 .xlsx 后再报送。",
            ),
            ("FILE_UNREADABLE", ERROR, "无法读取", "文件无法读取：{value}", "请确认文件存在、未被其他程序占用且有读取权限。"),
            (
                "FILE_TIMEOUT",
                ERROR,
                "检查超时",
                "文件在 {value} 秒内没有检查完，已停止检查（文件里可能有大量多余的行、列或其他内容）",
                "请删除多余的行、列、工作表和图片后重新上传；仍不行请联系项目办。",
            ),
            (
                "FILE_ACTIVE_CONTENT",
                WARNING,
                "含宏或外部链接",
                "文件里有{value}；报表照常接收，但项目办下载到的是去掉这些内容的副本",
                "宏和外部链接在别人的电脑上会自动运行或读取其他文件。请在 Excel/WPS 中用“数据→编辑链接→断开链接”去掉外部链接，"
                "再“另存为”→“Excel 工作簿（*.xlsx）”（不是“启用宏的工作簿”）后重新上传。",
            ),
            (
                "FILE_CRASHED",
                ERROR,
                "读取时程序异常退出",
                "读取这个文件时，读取程序异常退出（文件可能被构造成异常的结构）；同批其他文件不受影响",
                "请在 Excel/WPS 中打开后“另存为”新的 .xlsx 再报送；仍不行请把文件交给技术支持。",
            ),
        ),
        *_codes(
            "模板",
            ("FORM_UNKNOWN", ERROR, "不是本次模板", "找不到本次摸底评估模板的工作表（{expected}）", FRESH),
            ("FORM_OTHER", ERROR, "其他表单", "模板标识为 {value}，不是本次表单 {expected}", FRESH),
            (
                "FORM_OLD_VERSION",
                WARNING,
                "旧版模板",
                "模板版本 {value} 不是当前版本 {expected}，已尽量按当前表单读取",
                "请改用最新模板填报；缺少的栏目会在下面逐项列出。",
            ),
            (
                "FORM_OLD_ROUND",
                WARNING,
                "上一轮的模板",
                "这份报表用的是“{value}”轮次的模板，不是本轮（{expected}）的，内容已按本轮读取",
                "请确认填的是本轮数据统计截止日期时的情况；下次请用本轮下发的模板。",
            ),
            (
                "FORM_NO_META",
                WARNING,
                "缺少模板标识",
                "没有找到模板标识页，已按表头识别为本次表单",
                "请使用下发的模板填报，不要把数据粘贴到新建的文件中。",
            ),
            ("SHEET_MISSING", ERROR, "缺少工作表", "缺少工作表“{expected}”", "请不要删除或重命名模板中的工作表；" + FRESH),
            (
                "SHEET_AMBIGUOUS",
                ERROR,
                "工作表重复",
                "有不止一张可见的工作表像“{expected}”：{value}，无法确定以哪一张为准",
                "请只保留一张（删除复制出来的或旧的那张），再重新报送。",
            ),
            (
                "SHEET_HIDDEN",
                WARNING,
                "读取了隐藏的工作表",
                "“{expected}”所在的工作表是隐藏的，已按它读取",
                "请确认这张表是要报送的内容；不报送的表请删除，不要只是隐藏。",
            ),
            (
                "SHEET_HIDDEN_SKIPPED",
                WARNING,
                "隐藏的工作表未读取",
                "隐藏的工作表 {value} 没有读取，“{expected}”按这张可见的表读取",
                "请确认报送的是可见的这张；不需要的表请删除。",
            ),
            (
                "SHEET_TOO_MANY_ROWS",
                ERROR,
                "行数过多",
                "工作表的数据一直写到第 {value} 行，超过上限（第 {expected} 行），表中的数据没有读取",
                "请删除多余的行后重新报送（空行和只设了格式的行不算）；一份报表的系统一般不超过几百个。",
            ),
            ("SHEET_STRAY_CELLS", WARNING, "数据区外有内容", "在远离数据区的位置（{value}）有内容，已忽略", "请删除数据区以外的内容。"),
            ("HEADER_MISSING", ERROR, "缺少必填列", "缺少必填列“{expected}”", "请不要删除模板中的列；" + FRESH),
            ("HEADER_MISSING_OPTIONAL", WARNING, "缺少列", "缺少列“{expected}”", "请不要删除模板中的列。"),
            ("HEADER_RENAMED", WARNING, "表头被改动", "表头“{value}”与模板不同，已按“{expected}”读取", "请不要修改模板的表头文字。"),
            (
                "VALUE_OLD_VERSION",
                WARNING,
                "旧版本的选项",
                "“{value}”是旧版模板的选项，已按新版的“{expected}”读取",
                "以后请用新版模板；这一项不用改。",
            ),
            ("HEADER_MOVED", WARNING, "列位置变动", "“{expected}”列应在 {value} 列，已按表头读取", "请不要插入、删除或移动模板中的列。"),
            (
                "HEADER_UNKNOWN",
                WARNING,
                "多余的列",
                "有模板之外的列“{value}”，内容未读取{expected}",
                "请把内容移到模板对应的列，或在备注中说明。",
            ),
            ("HEADER_DUPLICATE", ERROR, "重复的列", "表头“{value}”出现了不止一次", "请删除重复的列，只保留一列。"),
            (
                "CELL_MERGED",
                ERROR,
                "合并单元格",
                "数据区有合并单元格 {value}",
                "请取消合并（开始→合并居中→取消合并），每个单元格分别填写。",
            ),
            (
                "CELL_FORMULA",
                WARNING,
                "公式没有结果",
                "单元格是公式（{value}）但没有保存计算结果，按空值处理",
                "请在 Excel/WPS 中打开并保存一次，或把公式改为直接填写的数值。",
            ),
            ("ROW_BLANK", WARNING, "中间有空行", "数据行之间有空行", "请删除空行，让数据连续填写。"),
        ),
        *_codes(
            "单元格",
            ("CELL_REQUIRED", ERROR, "必填项为空", "必填项为空", "请补充填写。"),
            ("CELL_ENUM", ERROR, "不是可选值", "“{value}”不是可选值，应为：{expected}", "请从下拉列表中选择；多选时用顿号“、”分隔。"),
            ("CELL_TYPE", ERROR, "类型不对", "“{value}”的类型不对，应为{expected}", "请按说明的类型填写。"),
            ("CELL_PATTERN", ERROR, "格式不对", "“{value}”的格式不对，应为：{expected}", "请按填写说明的格式填写。"),
            ("CELL_FORMAT", ERROR, "格式不对", "“{value}”不是有效的{expected}", "请按填写说明的格式填写。"),
            (
                "CELL_DATE",
                ERROR,
                "日期无法识别",
                "“{value}”不是有效日期，应为{expected}",
                "请填写如 2024-03-01 的日期，可精确到月的栏目也可填 2024-03。",
            ),
            ("CELL_NUMBER", ERROR, "不是数字", "“{value}”不是数字，应为{expected}", "金额一律以万元为单位，只填数字。"),
            ("CELL_INTEGER", ERROR, "不是整数", "“{value}”不是整数，应为{expected}", "请填写整数。"),
            ("CELL_RANGE", ERROR, "数值超出范围", "{value} 超出允许范围，应{expected}", "请核对数值。"),
            ("CELL_TOO_SHORT", ERROR, "内容过短", "“{value}”过短，至少需要 {expected} 个字", "请写完整，不要只填“无”“略”。"),
            ("CELL_TOO_LONG", ERROR, "内容过长", "内容过长，最多 {expected} 个字", "请精简内容，详细说明可放在备注中。"),
            (
                "CELL_CONTROL_CHAR",
                ERROR,
                "含控制字符",
                "内容中有不可见的控制字符（{value}），不是手工能输入的内容",
                "请删除该单元格内容后重新输入（从其他系统复制来的文字请先粘贴到记事本再复制）。",
            ),
            (
                "CELL_DATE_SERIAL",
                WARNING,
                "日期按序号读取",
                "填的是数字 {value}，已按 Excel 日期序号读作 {expected}",
                "单元格丢失了日期格式；请核对日期，并把该单元格设为日期格式重新输入。",
            ),
            (
                "CELL_LONG_NUMBER",
                ERROR,
                "长编码被存成数字",
                "编码 {value} 是以数字形式保存的，Excel 只保留15位有效数字，后几位已经丢失",
                "请把该列设为“文本”格式后重新输入完整编码（或在编码前加英文单引号 '）。",
            ),
        ),
        *_codes(
            "表内与跨表",
            (
                "ROW_DUPLICATE_NO",
                ERROR,
                "系统编号重复",
                "系统编号 {value} 重复，与第 {expected} 行相同",
                "同一报表内每个系统的编号必须唯一。",
            ),
            (
                "ROW_DUPLICATE_NAME",
                WARNING,
                "系统名称重复",
                "同一单位的系统名称“{value}”重复，与第 {expected} 行相同",
                "两行都已照常接收。若是同一系统，请删去多余的一行；确实是两个系统的，请在名称里写出区别（如“一期”“二期”）。",
            ),
            (
                "REF_UNKNOWN_SYSTEM",
                ERROR,
                "系统编号不存在",
                "系统编号 {value} 在“{expected}”中不存在",
                "子表的系统编号必须与系统清单中的编号一致。",
            ),
        ),
        *_codes(
            "单位",
            (
                "UNIT_USCC_CHECK",
                ERROR,
                "信用代码校验位错误",
                "统一社会信用代码 {value} 的校验位不对（按前17位计算应为 {expected}）",
                "请对照单位法人证书核对代码，注意字母 O/I/Z/S/V 不会出现在代码中。",
            ),
            ("UNIT_ALIAS", WARNING, "单位写了简称", "“{value}”是简称，请填写全称“{expected}”", "单位名称须写规范全称。"),
            (
                "UNIT_OTHER_OWNER",
                ERROR,
                "系统属于另一个报送单位",
                "所属单位“{value}”是名册中另一个报送单位（{expected}），不属于本单位及其下级，不能由本单位报送",
                "每个单位只报本单位及其下级（下属单位、汇总报送时的下级部门和区县）的系统，其他单位的系统由它自己报送；上级统建、本单位使用的系统，所属单位请写本单位。",
            ),
            (
                "UNIT_UNKNOWN",
                ERROR,
                "单位不在名册中",
                "填报单位“{value}”不在填报单位名册中{expected}",
                "请填写名册中的规范全称；新设或更名的单位请联系项目办。",
            ),
            (
                "UNIT_OUTSIDE",
                ERROR,
                "不属于本级项目办",
                "填报单位“{value}”不在“{expected}”的管辖范围内，不能由本级入库",
                "请把报表转给该单位所属的项目办，或由上级项目办入库。",
            ),
            (
                "RETURN_LOCKED",
                ERROR,
                "报表已锁定",
                "这份报表没有入库：{value}",
                "需要修改的，请联系上级项目办退回或重新打开后再报送。",
            ),
            (
                "UNIT_MISMATCH",
                WARNING,
                "单位与模板不一致",
                "模板是为“{expected}”生成的，但单位信息填的是“{value}”",
                "请确认没有拿错模板；如是代下属单位填报，请使用该单位的模板。",
            ),
        ),
        *_codes("证明材料（附件）", *ATTACH_ROWS),
        *_codes(
            "与上一次报送比对（入库时）",
            (
                "MARK_UNCHANGED_BUT_CHANGED",
                WARNING,
                "标为无变化但有改动",
                "本轮情况标为“无变化”，但与上一次报送相比改了：{value}",
                "确有改动的请把本轮情况改为“有变化”；不是有意改的，请按上一次报送的内容改回。",
            ),
            (
                "MARK_CHANGED_BUT_SAME",
                WARNING,
                "标为有变化但没有改动",
                "本轮情况标为“有变化”，但内容与上一次报送完全相同",
                "请确认要改的内容已经填进去；确实没变的请选“无变化”。",
            ),
            (
                "MARK_NEW_BUT_KNOWN",
                WARNING,
                "标为新增但上次已报",
                "本轮情况标为“新增”，但上一次报送已有这个系统（{expected}）",
                "上次已报的系统请选“无变化”或“有变化”；确是另一个系统的，请给它一个新的系统编号。",
            ),
            (
                "RETURN_NOT_CONFIRMED",
                WARNING,
                "未确认的预填报表",
                "内容与上一次报送完全相同，填报日期仍是上一次的 {value}：看不出本轮是否核对过",
                "请逐个系统核对后在“本轮情况”选“无变化”或“有变化”，并把填报日期改为本轮填报的日期，再重新报送。",
            ),
            (
                "MARK_KNOWN_BUT_NEW",
                WARNING,
                "上次没有这个系统",
                "本轮情况标为“{value}”，但上一次报送里找不到这个系统（按系统编号和名称）",
                "本轮新登记的系统请选“新增”；改过系统编号或名称的，请核对是否与上一次报送的某个系统是同一个。",
            ),
        ),
    ]
}
