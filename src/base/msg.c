/* The message catalogue (msg.h): one table of whole sentences keyed by stable codes, in English
 * and Vietnamese, and the formatter that puts numbered arguments into them. The English text of
 * each entry is, byte for byte, what the library said before the catalogue existed: scenarios
 * and clients match it (SPEC §5.2, `expect refused "TEXT"`). */
#include "motcua/msg.h"
#include "motcua/error.h"

#include <stdio.h>
#include <string.h>

/* ==== the catalogue ====================================================================== */

typedef struct entry {
    const char *code;
    const char *en;
    const char *vi; /* NULL: not translated yet (English is said instead) */
} entry;

/* Sorted by code, grouped by what the message is about. Vietnamese uses the officers' words of
 * the one-stop shop: hồ sơ (dossier), tiếp nhận (receive), bổ sung (supplement), giấy tờ
 * (document), thành phần hồ sơ (the documents a procedure requires). */
static const entry catalogue[] = {
    /* ---- the HTTP API's own refusals (docs/api.md, "Errors"): the request as sent, before
     * any engine decides; "mã truy cập" is the bearer token ---- */
    {"api.access-log", "the read could not be recorded in the access log, so nothing is shown: {1}",
     "không ghi được lượt xem vào nhật ký truy cập nên không hiển thị dữ liệu: {1}"},
    {"api.applicant-own-records", "an applicant may only look up its own records",
     "người nộp hồ sơ chỉ được tra cứu dữ liệu của chính mình"},
    {"api.applicant-own-subject", "an applicant may only file about its own subject",
     "người nộp hồ sơ chỉ được nộp hồ sơ của chính mình"},
    {"api.as-needed", "this token has several roles: say which in \"as\"",
     "mã truy cập này có nhiều vai trò: hãy nêu vai trò thực hiện trong \"as\""},
    {"api.body-json", "the request needs a JSON object as its body",
     "yêu cầu phải có nội dung là một đối tượng JSON"},
    {"api.body-not-object", "the body must be a JSON object",
     "nội dung yêu cầu phải là một đối tượng JSON"},
    {"api.by", "by takes one value: officer", "by chỉ nhận một giá trị: officer (theo cán bộ)"},
    /* The API's five errors whose words come from below it (docs/api.md, "Errors"): when the
     * engine or the store gave no code of its own, the English is theirs as it was ({1}), and
     * Vietnamese says what happened with that English as the detail ---- */
    {"api.conflict", "{1}", "yêu cầu xung đột với một thao tác khác: {1}"},
    {"api.csv-body", "the body is the CSV of the records",
     "nội dung yêu cầu phải là tệp CSV của các bản ghi"},
    {"api.cursor",
     "this cursor is not one this listing gave (the filters changed, or it was altered): start "
     "again without it",
     "con trỏ phân trang này không do danh sách này cấp (bộ lọc đã thay đổi, hoặc con trỏ bị "
     "sửa): hãy bắt đầu lại từ trang đầu"},
    {"api.document-not-required", "procedure '{1}' does not require '{2}'",
     "thủ tục '{1}' không yêu cầu giấy tờ '{2}'"},
    {"api.dossier-other-agency", "dossier {1} belongs to another agency",
     "hồ sơ {1} thuộc cơ quan khác"},
    {"api.dossier-unknown", "unknown dossier {1}", "không có hồ sơ {1}"},
    {"api.due-before", "due-before is a date (YYYY-MM-DD) or an instant (YYYY-MM-DDTHH:MM)",
     "due-before phải là một ngày (YYYY-MM-DD) hoặc một thời điểm (YYYY-MM-DDTHH:MM)"},
    {"api.final", "final is exclude, include or only", "final phải là exclude, include hoặc only"},
    {"api.from-to", "from and to are dates (YYYY-MM-DD), from first",
     "from và to phải là ngày (YYYY-MM-DD), from không được sau to"},
    {"api.idempotency-key", "the Idempotency-Key must be 1 to {1} visible ASCII characters",
     "Idempotency-Key phải gồm từ 1 đến {1} ký tự ASCII nhìn thấy được"},
    {"api.idempotency-other",
     "the first request with this Idempotency-Key filed a dossier this token may not see",
     "yêu cầu đầu tiên mang Idempotency-Key này đã nộp một hồ sơ mà mã truy cập này không được "
     "xem"},
    {"api.indicators-officers", "indicators are for officers",
     "chỉ cán bộ mới được xem các chỉ số"},
    {"api.internal", "{1}", "máy chủ gặp lỗi khi xử lý yêu cầu, xin lỗi: {1}"},
    {"api.json-malformed", "malformed JSON at line {1}, column {2}: {3}",
     "JSON sai cú pháp ở dòng {1}, cột {2}: {3}"},
    {"api.limit", "limit is a number from 1 to {1}", "limit phải là một số từ 1 đến {1}"},
    {"api.member-boolean", "\"{1}\" must be true or false",
     "\"{1}\" phải là true hoặc false"},
    {"api.member-object", "\"{1}\" must be an object of at most 256 members",
     "\"{1}\" phải là một đối tượng có tối đa 256 thành phần"},
    {"api.member-string", "\"{1}\" must be a string", "\"{1}\" phải là một chuỗi ký tự"},
    {"api.member-strings", "\"{1}\" must be an array of strings",
     "\"{1}\" phải là một mảng các chuỗi ký tự"},
    {"api.member-strings-256", "\"{1}\" must be an array of at most 256 strings",
     "\"{1}\" phải là một mảng có tối đa 256 chuỗi ký tự"},
    {"api.member-value", "\"{1}\".\"{2}\" must be a string, a boolean or a whole number",
     "\"{1}\".\"{2}\" phải là một chuỗi ký tự, một giá trị đúng/sai hoặc một số nguyên"},
    {"api.method", "{1} is not allowed on {2}", "không được dùng phương thức {1} với {2}"},
    {"api.metrics-only", "this address answers only GET /metrics",
     "địa chỉ này chỉ trả lời GET /metrics"},
    {"api.metrics-operator", "/metrics needs a token with the operator role",
     "/metrics cần mã truy cập có vai trò operator"},
    {"api.new-date", "\"new_date\" must be a date (YYYY-MM-DD)",
     "\"new_date\" phải là một ngày (YYYY-MM-DD)"},
    {"api.no-endpoint", "no such endpoint: {1} {2}", "không có địa chỉ API này: {1} {2}"},
    {"api.no-path", "no such endpoint: {1}", "không có địa chỉ API này: {1}"},
    {"api.no-token", "send the header 'Authorization: Bearer TOKEN'",
     "hãy gửi kèm tiêu đề 'Authorization: Bearer TOKEN' (mã truy cập)"},
    {"api.not-a-dossier", "'{1}' does not name a dossier", "'{1}' không phải là số hồ sơ"},
    {"api.not-ready", "{1}", "máy chủ chưa sẵn sàng tiếp nhận yêu cầu: {1}"},
    {"api.nothing-imported", "{1}: nothing imported", "{1}: không nhập bản ghi nào"},
    {"api.officer-records",
     "an officer may only look up the records of a subject of one of its agency's dossiers",
     "cán bộ chỉ được tra cứu dữ liệu của người có hồ sơ tại cơ quan mình"},
    {"api.oom", "out of memory", "máy chủ hết bộ nhớ, xin lỗi: hãy thử lại sau"},
    {"api.overdue", "overdue is 1, true, 0 or false", "overdue phải là 1, true, 0 hoặc false"},
    {"api.path-too-long", "the path is longer than {1} bytes", "đường dẫn dài hơn {1} byte"},
    {"api.preview-officers", "the desk's preview is for officers",
     "chỉ cán bộ tiếp nhận mới được xem trước thành phần hồ sơ"},
    {"api.procedure-gone", "{1}",
     "danh mục thủ tục của máy chủ không còn xử lý được hồ sơ này: {1}"},
    {"api.procedure-not-in-force", "no procedure '{1}' is in force",
     "không có thủ tục '{1}' đang có hiệu lực"},
    {"api.procedure-other-agency", "procedure '{1}' belongs to another agency",
     "thủ tục '{1}' thuộc cơ quan khác"},
    {"api.q-length", "q is 1 to 200 characters", "q phải có từ 1 đến 200 ký tự"},
    {"api.q-utf8", "q is not UTF-8 text", "q không phải văn bản UTF-8"},
    {"api.registrar", "importing records needs a token with the role 'registrar'",
     "nhập dữ liệu cần mã truy cập có vai trò 'registrar'"},
    {"api.required", "\"{1}\" is required", "thiếu \"{1}\" (bắt buộc)"},
    {"api.role-missing", "this token does not have the role '{1}'",
     "mã truy cập này không có vai trò '{1}'"},
    {"api.simulate-dossiers", "\"dossiers\" must be a whole number from 1 to {1}",
     "\"dossiers\" (số hồ sơ mô phỏng) phải là một số nguyên từ 1 đến {1}"},
    {"api.simulate-failed", "{1}", "không mô phỏng được: {1}"},
    {"api.simulate-from", "\"from\" must be a date (YYYY-MM-DD)",
     "\"from\" (ngày bắt đầu mô phỏng) phải là một ngày (YYYY-MM-DD)"},
    {"api.simulate-key", "a simulation takes no member \"{1}\"",
     "yêu cầu mô phỏng không có mục \"{1}\""},
    {"api.simulate-no-model",
     "the catalogue has no default cost-model: \"income\" and \"count_waiting\" change nothing",
     "danh mục không có mô hình chi phí mặc định (default cost-model): \"income\" và "
     "\"count_waiting\" không thay đổi gì"},
    {"api.simulate-runs", "\"runs\" must be a whole number from 1 to {1}",
     "\"runs\" (số lần chạy) phải là một số nguyên từ 1 đến {1}"},
    {"api.simulate-seed", "\"seed\" must be a whole number from 0 to {1}",
     "\"seed\" (hạt giống ngẫu nhiên) phải là một số nguyên từ 0 đến {1}"},
    {"api.simulate-work",
     "\"dossiers\" × \"runs\" is {1}, more than {2}: simulate fewer dossiers or fewer runs",
     "\"dossiers\" × \"runs\" bằng {1}, vượt quá {2}: hãy mô phỏng ít hồ sơ hơn hoặc chạy ít "
     "lần hơn"},
    {"api.stopped", "the server is stopping", "máy chủ đang dừng"},
    {"api.stopping", "the server is stopping: try again later",
     "máy chủ đang dừng, xin lỗi: hãy thử lại sau"},
    {"api.study-by", "by takes agency, sector or procedure",
     "by chỉ nhận agency (theo cơ quan), sector (theo lĩnh vực) hoặc procedure (theo thủ tục)"},
    {"api.study-changes", "the reforms have more than {1} changes to value one by one: send \"attribute\": false",
     "các phương án cải cách có hơn {1} thay đổi cần tính giá trị từng thay đổi: hãy gửi \"attribute\": false"},
    {"api.study-coverage", "the coverage of registry \'{1}\' must be a number from 0 to 100",
     "tỷ lệ bao phủ của cơ sở dữ liệu \'{1}\' phải là một số từ 0 đến 100"},
    {"api.study-date", "\"date\" must be a date (YYYY-MM-DD)",
     "\"date\" phải là một ngày (YYYY-MM-DD)"},
    {"api.study-failed", "{1}",
     "không tính được chi phí tuân thủ: {1}"},
    {"api.study-income", "\"income\" must be a whole amount an hour above 0",
     "\"income\" (thu nhập một giờ) phải là một số nguyên lớn hơn 0"},
    {"api.study-key", "a study takes no member \"{1}\"",
     "yêu cầu tính chi phí không có mục \"{1}\""},
    {"api.study-reform-errors", "the reform has errors: see \"diagnostics\"",
     "phương án cải cách có lỗi: xem \"diagnostics\""},
    {"api.study-registry", "no registry \'{1}\' in the catalogue",
     "danh mục không có cơ sở dữ liệu \'{1}\'"},
    {"api.study-unknown-reform", "no reform \'{1}\' in the catalogue",
     "danh mục không có phương án cải cách \'{1}\'"},
    {"api.subject-needed", "say whose records: ?subject=S",
     "hãy cho biết dữ liệu của ai: ?subject=S"},
    {"api.token-busy", "this token already has {1} requests running: retry when one has finished",
     "mã truy cập này đang có {1} yêu cầu chưa xử lý xong: hãy thử lại khi một yêu cầu đã xong"},
    {"api.token-unknown", "this token is not known", "mã truy cập này không hợp lệ"},
    {"api.too-large", "the body is larger than {1} bytes", "nội dung yêu cầu lớn hơn {1} byte"},
    {"api.track-absent", "no dossier has this code with this identifier",
     "không có hồ sơ nào có mã hồ sơ này với số định danh này"},
    {"api.track-limit", "too many look-ups from this address: try again in {1} seconds",
     "quá nhiều lượt tra cứu từ địa chỉ này: vui lòng thử lại sau {1} giây"},
    {"api.track-required", "code and subject are required",
     "cần nhập mã hồ sơ và số định danh cá nhân"},
    {"api.track-unavailable", "the tracking is not available now: try again later",
     "hiện chưa tra cứu được hồ sơ: vui lòng thử lại sau"},
    {"api.unavailable", "{1}",
     "cơ sở dữ liệu tạm thời không truy cập được, xin lỗi: hãy thử lại sau ({1})"},
    /* ---- apologies (§4.6) ---- */
    {"apology.no-clock",
     "the clock of dossier {1} is not running (state '{2}'): there is no deadline to apologise "
     "for",
     "thời hạn giải quyết hồ sơ {1} không đang được tính (trạng thái '{2}'): không có thời hạn "
     "nào để xin lỗi"},
    {"apology.no-reason", "an apology needs a reason",
     "phiếu xin lỗi và hẹn lại ngày trả kết quả phải nêu lý do"},
    {"apology.past", "the new date of an apology cannot be in the past",
     "ngày hẹn trả kết quả mới trong phiếu xin lỗi không được là ngày đã qua"},
    {"apology.role", "role '{1}' may not apologise for dossiers of '{2}'",
     "vai trò '{1}' không được lập phiếu xin lỗi và hẹn lại ngày trả kết quả cho hồ sơ của "
     "thủ tục '{2}'"},
    {"apology.twice", "dossier {1} already has an apology: a new date may be set only once",
     "hồ sơ {1} đã có phiếu xin lỗi: chỉ được hẹn lại ngày trả kết quả một lần"},
    /* ---- submission ---- */
    {"channel.unknown", "unknown channel '{1}' (online, counter or post)",
     "kênh nộp hồ sơ '{1}' không hợp lệ (online: trực tuyến, counter: tại bộ phận một cửa hoặc "
     "post: qua bưu chính)"},
    /* ---- the command line's own words (src/cli/cmd_dossier.c): the layout of submit, fire,
     * apologize, show, list, history, tick and explain. English is what they always printed;
     * Vietnamese in the officers' words (hạn trả kết quả, thành phần hồ sơ, CSDL: cơ sở dữ
     * liệu). cli.refused: {1} the reason word ("once-only", "role", …, as scenarios write it),
     * {2} the refusal's sentence. cli.channel.*, cli.kind.*, cli.status.*…: one word, keyed by
     * the name the engine gives ---- */
    {"cli.blocked-many", "{1} requests refused by the once-only rule",
     "{1} yêu cầu bị từ chối theo nguyên tắc chỉ cung cấp một lần"},
    {"cli.blocked-one", "{1} request refused by the once-only rule",
     "{1} yêu cầu bị từ chối theo nguyên tắc chỉ cung cấp một lần"},
    {"cli.channel.counter", "counter", "nộp tại bộ phận một cửa"},
    {"cli.channel.online", "online", "nộp trực tuyến"},
    {"cli.channel.post", "post", "nộp qua bưu chính"},
    {"cli.checklist", "checklist:", "thành phần hồ sơ:"},
    {"cli.clock.paused", "paused", "tạm dừng"},
    {"cli.clock.running", "running", "đang tính"},
    {"cli.clock.stopped", "stopped", "chưa tính"},
    {"cli.dossier", "dossier {1}: {2}, state {3}", "hồ sơ {1}: {2}, trạng thái {3}"},
    {"cli.dossier-final", "dossier {1}: {2}, state {3} ({4}, {5})",
     "hồ sơ {1}: {2}, trạng thái {3} — kết quả: {4}, {5}"},
    {"cli.due", "due {1}", "hạn trả kết quả {1}"},
    {"cli.due-overdue", "due {1} — OVERDUE", "hạn trả kết quả {1} — QUÁ HẠN"},
    {"cli.explain-party", "of the {1}: looked up under {2}",
     "của {1}: tra cứu theo số định danh {2}"},
    {"cli.explain-party-none", "of the {1}: the dossier names none",
     "của {1}: hồ sơ không ghi số định danh"},
    {"cli.extended", "extended: the time limit alone was due {1}",
     "đã gia hạn: theo thời hạn giải quyết ban đầu, hạn trả kết quả là {1}"},
    {"cli.extension", "extension {1}: +{2}wd, used {3} of {4}",
     "gia hạn {1}: thêm {2} ngày làm việc, đã dùng {3}/{4} lần"},
    {"cli.extension-basis", "extension {1}: +{2}wd, used {3} of {4} ({5})",
     "gia hạn {1}: thêm {2} ngày làm việc, đã dùng {3}/{4} lần ({5})"},
    {"cli.fee", "fee {1}", "phí, lệ phí {1}"},
    {"cli.fee-heading", "fee", "phí, lệ phí"},
    {"cli.history-due-moved", "due {1} -> {2} (calendar '{3}')",
     "hạn trả kết quả {1} -> {2} (lịch '{3}')"},
    {"cli.history-extension", "extension {1} +{2}wd ({3} of {4})",
     "gia hạn {1} thêm {2} ngày làm việc (lần {3}/{4})"},
    {"cli.history-extension-due", "due {1} -> {2}", "hạn trả kết quả {1} -> {2}"},
    {"cli.history-extension-paused", "paused, {1} -> {2} working days left",
     "đang tạm dừng, số ngày làm việc còn lại {1} -> {2}"},
    {"cli.history-part-ended", "{1} (dossier {2}) ended: {3}", "{1} (hồ sơ số {2}) đã kết thúc: {3}"},
    {"cli.history-part-ended-late", "{1} (dossier {2}) ended: {3}, late",
     "{1} (hồ sơ số {2}) đã kết thúc: {3}, trễ hạn"},
    {"cli.history-part-not-needed", "{1}: not needed", "{1}: không cần thực hiện"},
    {"cli.history-part-refused", "{1} could not start: {2}", "{1} không chuyển được: {2}"},
    {"cli.history-part-started", "{1} -> dossier {2}", "{1} -> hồ sơ số {2}"},
    {"cli.history-refused", "{1} refused ({2}): {3}", "{1} bị từ chối ({2}): {3}"},
    {"cli.history-refused-plain", "{1} refused: {2}", "{1} bị từ chối: {2}"},
    {"cli.in-all", "in all: {1} ({2} overdue)", "tổng cộng: {1} ({2} quá hạn)"},
    {"cli.in-all-broad", "in all: more than {1} (not counted: a longer search counts)",
     "tổng cộng: hơn {1} (không đếm: từ khóa tìm kiếm dài hơn thì được đếm)"},
    {"cli.item-from", "from {1} (record {2})", "từ {1}, bản ghi {2}"},
    {"cli.item-of", "of {1}", "của {1}"},
    {"cli.item-reason", "({1})", "— {1}"},
    {"cli.kind.apology", "apology", "xin lỗi"},
    {"cli.kind.blocked", "blocked", "từ chối"},
    {"cli.kind.due-moved", "due-moved", "đổi hạn"},
    {"cli.kind.fire", "fire", "xử lý"},
    {"cli.kind.overdue", "overdue", "quá hạn"},
    {"cli.kind.part-ended", "part-ended", "kết thúc phần"},
    {"cli.kind.part-not-needed", "part-not-needed", "không cần phần"},
    {"cli.kind.part-refused", "part-refused", "không chuyển phần"},
    {"cli.kind.part-started", "part-started", "chuyển phần"},
    {"cli.kind.registry-retry", "registry-retry", "tra cứu lại"},
    {"cli.kind.submit", "submit", "nộp"},
    {"cli.kind.timer", "timer", "hẹn giờ"},
    {"cli.late", "late", "trễ hạn"},
    {"cli.legal-basis", "legal basis: {1}", "căn cứ pháp lý: {1}"},
    {"cli.lookup-answered", "looked up in {1}: {2} (request {3}, answered {4})",
     "đã tra cứu {1}: {2} (mã yêu cầu {3}, trả lời lúc {4})"},
    {"cli.lookup-no-request", "none", "không có"},
    {"cli.lookup-unanswered", "looked up in {1}: {2} (request {3}, no answer)",
     "đã tra cứu {1}: {2} (mã yêu cầu {3}, không có trả lời)"},
    {"cli.lookup.found", "found", "tìm thấy"},
    {"cli.lookup.incomplete", "incomplete", "thiếu thông tin"},
    {"cli.lookup.invalid", "invalid", "không hợp lệ"},
    {"cli.lookup.not-found", "not-found", "không tìm thấy"},
    {"cli.lookup.unavailable", "unavailable", "không truy cập được"},
    {"cli.next", "next: {1}", "trang sau: {1}"},
    {"cli.no-due", "no due instant (clock {1})",
     "chưa có hạn trả kết quả (thời hạn giải quyết {1})"},
    {"cli.on-time", "on time", "đúng hạn"},
    {"cli.operation.apologize", "apologize", "xin lỗi, hẹn lại ngày trả kết quả"},
    {"cli.operation.fire", "fire", "xử lý"},
    {"cli.operation.submit", "submit", "nộp hồ sơ"},
    {"cli.outcome.granted", "granted", "đã giải quyết"},
    {"cli.outcome.none", "none", "không có"},
    {"cli.outcome.refused", "refused", "từ chối"},
    {"cli.outcome.stopped", "stopped", "dừng giải quyết"},
    {"cli.outcome.withdrawn", "withdrawn", "đã rút hồ sơ"},
    {"cli.overdue", "OVERDUE", "QUÁ HẠN"},
    {"cli.part", "{1}: dossier {2} at {3}, {4}", "{1}: hồ sơ số {2} tại {3}, {4}"},
    {"cli.part-late", "{1}, late", "{1}, trễ hạn"},
    {"cli.part-none", "{1}: {2}", "{1} – {2}"},
    {"cli.part-of", "part '{1}' of interconnected dossier {2}", "phần '{1}' của hồ sơ liên thông số {2}"},
    {"cli.part-status.not-needed", "not needed", "không cần thực hiện"},
    {"cli.part-status.refused", "could not start (see its history)",
     "không chuyển được (xem nhật ký hồ sơ)"},
    {"cli.part-waits", "waits for {1}", "chờ {1} hoàn thành"},
    {"cli.parts", "parts:", "các phần liên thông:"},
    {"cli.party", "{1} {2}", "{1}: {2}"},
    {"cli.party-unnamed", "not named", "hồ sơ không ghi"},
    {"cli.refused", "refused ({1}): {2}", "bị từ chối ({1}): {2}"},
    {"cli.refused-plain", "refused: {1}", "bị từ chối: {1}"},
    {"cli.status.asked", "asked", "yêu cầu nộp"},
    {"cli.status.fetched", "fetched", "đã có trong CSDL"},
    {"cli.status.provided", "provided", "đã nộp"},
    {"cli.status.waiting", "waiting", "chờ CSDL"},
    {"cli.submitted", "submitted {1} by {2}", "tiếp nhận {1}, {2}"},
    {"cli.submitted-subject", "submitted {1} by {2}, subject {3}",
     "tiếp nhận {1}, {2}, số định danh người nộp {3}"},
    {"cli.tick-many", "tick: {1} dossiers changed", "cập nhật thời hạn: {1} hồ sơ thay đổi"},
    {"cli.tick-one", "tick: {1} dossier changed", "cập nhật thời hạn: {1} hồ sơ thay đổi"},
    {"cli.uncovered",
     "deadline computed over {1}, which calendar '{2}' does not cover: that year's announced days "
     "off are not declared",
     "hạn trả kết quả được tính qua năm {1}, năm mà lịch '{2}' chưa khai báo: các ngày nghỉ đã "
     "công bố của năm đó chưa có trong lịch"},
    /* ---- a live registry's measured coverage in cost and simulate (issue 20); a front end
     * writes each line after the registry's name ("civil-status: …") ---- */
    {"coverage.heading",
     "coverage of the registries: measured from the look-ups in the store where a live registry "
     "has at least {1} of them, else the declared figure (an assumption)",
     "độ phủ của các cơ sở dữ liệu: đo từ các lượt tra cứu ghi trong kho hồ sơ khi cơ sở dữ "
     "liệu kết nối trực tiếp có ít nhất {1} lượt, nếu không thì dùng số đã khai báo (giả định)"},
    {"coverage.measured",
     "{1} measured over {2} look-ups from {3} to {4}, instead of the declared {5}",
     "{1} đo được qua {2} lượt tra cứu từ {3} đến {4}, thay cho {5} đã khai báo"},
    {"coverage.measured-undeclared",
     "{1} measured over {2} look-ups from {3} to {4}, instead of 100% (no coverage declared)",
     "{1} đo được qua {2} lượt tra cứu từ {3} đến {4}, thay cho 100% (không khai báo độ phủ)"},
    {"coverage.none", "the assumed {1} kept: no look-up recorded in the period",
     "giữ {1} giả định: không có lượt tra cứu nào được ghi nhận trong kỳ"},
    {"coverage.not-live",
     "the assumed {1} kept: the registry is not live ({2} look-ups recorded from {3} to {4})",
     "giữ {1} giả định: cơ sở dữ liệu không kết nối trực tiếp ({2} lượt tra cứu đã ghi nhận từ "
     "{3} đến {4})"},
    {"coverage.not-sent",
     "the assumed {1} kept: none of its {2} look-ups from {3} to {4} was sent (no endpoint "
     "configured, or its circuit breaker open)",
     "giữ {1} giả định: không lượt nào trong {2} lượt tra cứu từ {3} đến {4} được gửi đi (chưa "
     "cấu hình địa chỉ kết nối, hoặc bộ ngắt mạch đang mở)"},
    {"coverage.reform",
     "the reform declares its own coverage, {1}, an assumption kept in the reform ({2} measured)",
     "phương án cải cách khai báo độ phủ riêng là {1}, giả định này được giữ trong phương án ({2} "
     "đo được)"},
    {"coverage.too-few",
     "the assumed {1} kept: {2} look-ups from {3} to {4}, fewer than the {5} a measure needs",
     "giữ {1} giả định: chỉ có {2} lượt tra cứu từ {3} đến {4}, ít hơn {5} lượt cần để đo"},
    /* ---- results sent to live registries (docs/registries.md, "Results go back"); {1} is the
     * registry ---- */
    {"deliver.refused", "{1} refused the result: {2}", "{1} từ chối tiếp nhận kết quả: {2}"},
    /* ---- disputes of a fetched record (§4.6) ---- */
    {"dispute.no-reason", "a dispute of {1} needs a reason",
     "phản ánh sai sót của {1} phải nêu lý do"},
    {"dispute.not-fetched",
     "cannot dispute {1}: it was not fetched from a registry for dossier {2}",
     "không thể phản ánh sai sót của {1}: giấy tờ này không được khai thác từ cơ sở dữ liệu cho "
     "hồ sơ {2}"},
    /* ---- documents ---- */
    {"document.not-required",
     "procedure '{1}' does not require {2}: only the documents it requires may be asked of the "
     "applicant",
     "thủ tục '{1}' không yêu cầu {2}: chỉ được yêu cầu người nộp bổ sung giấy tờ thuộc thành "
     "phần hồ sơ của thủ tục"},
    {"document.unknown", "unknown document '{1}'", "không có giấy tờ '{1}' trong danh mục"},
    /* ---- the dossier ---- */
    {"dossier.closed", "dossier {1} is closed (final state '{2}')",
     "hồ sơ {1} đã kết thúc (trạng thái cuối '{2}')"},
    /* ---- explain (SPEC §5.4): why a document is asked, fetched, provided or not required;
     * {1} of explain.asked and explain.waiting is the requirement's reason ---- */
    {"dossier.procedure-broken",
     "dossier {1} uses procedure '{2}' version '{3}', which the catalogue can no longer run: {4}",
     "hồ sơ {1} theo thủ tục '{2}' phiên bản '{3}', danh mục thủ tục hiện tại không còn xử lý "
     "được phiên bản này: {4}"},
    {"dossier.procedure-gone",
     "dossier {1} uses procedure '{2}' version '{3}', which the catalogue no longer has",
     "hồ sơ {1} theo thủ tục '{2}' phiên bản '{3}', danh mục thủ tục hiện tại không còn phiên "
     "bản này"},
    {"dossier.state-gone", "dossier {1} is in state '{2}', which procedure '{3}' no longer has",
     "hồ sơ {1} đang ở trạng thái '{2}', thủ tục '{3}' không còn trạng thái này"},
    {"explain.always", "always required", "luôn phải có"},
    {"explain.asked", "asked: {1}", "yêu cầu nộp: {1}"},
    {"explain.fetched", "fetched from {1}, record {2}: never asked of the applicant",
     "đã có trong cơ sở dữ liệu {1} (bản ghi {2}): không yêu cầu người nộp hồ sơ cung cấp"},
    {"explain.fetched-live", "{1}: never asked of the applicant",
     "{1}: không yêu cầu người nộp hồ sơ cung cấp"},
    {"explain.no-registry", "asked: no registry holds {1}",
     "yêu cầu nộp: không có cơ sở dữ liệu nào lưu giữ {1}"},
    {"explain.not-required", "not required: its condition does not hold",
     "không phải nộp: điều kiện yêu cầu không được đáp ứng"},
    {"explain.not-usable", "asked: registry {1} is not usable for this dossier",
     "yêu cầu nộp: không khai thác được cơ sở dữ liệu {1} cho hồ sơ này"},
    {"explain.provided", "provided by the applicant", "người nộp hồ sơ đã cung cấp"},
    {"explain.waiting", "waiting: {1}", "đang chờ: {1}"},
    {"explain.when", "required when {1}", "phải có khi {1}"},
    {"explain.when-is", "required when {1} is {2}", "phải có khi {1} là {2}"},
    {"explain.when-not", "required when not {1}", "phải có khi không {1}"},
    {"explain.when-rule", "required when rule {1}.{2} holds",
     "phải có khi quy tắc {1}.{2} cho kết quả đúng"},
    /* ---- extensions of a time limit (language §9.6) ---- */
    {"extension.guard-false", "extension '{1}' is not allowed now: its condition does not hold",
     "chưa thể gia hạn '{1}': điều kiện gia hạn chưa được đáp ứng"},
    {"extension.guard-reason", "extension '{1}' is not allowed now: {2}",
     "chưa thể gia hạn '{1}': {2}"},
    {"extension.no-deadline",
     "extension '{1}' needs a running deadline, and dossier {2} would have none in state '{3}'",
     "gia hạn '{1}' cần thời hạn giải quyết đang chạy, nhưng hồ sơ {2} không có thời hạn ở "
     "trạng thái '{3}'"},
    {"extension.overdue",
     "dossier {1} is overdue since {2}: a time limit is extended only before it expires",
     "hồ sơ {1} đã quá hạn từ {2}: thời hạn giải quyết chỉ được gia hạn trước khi hết hạn"},
    {"extension.paused",
     "extension '{1}' cannot extend a paused time limit that is not counted in working days: "
     "fire it while the clock runs",
     "gia hạn '{1}' không áp dụng cho thời hạn đang tạm dừng không tính theo ngày làm việc: hãy "
     "gia hạn khi thời hạn đang chạy"},
    {"extension.role",
     "role '{1}' may not extend the time limit ('{2}' fires extension '{3}': {4} may)",
     "vai trò '{1}' không được gia hạn thời hạn giải quyết ('{2}' là gia hạn '{3}': chỉ {4} được "
     "thực hiện)"},
    {"extension.used", "extension '{1}' was used {2} times already: at most {3}",
     "gia hạn '{1}' đã được dùng {2} lần: tối đa {3} lần"},
    {"extension.used-once", "extension '{1}' was used {2} time already: at most {3}",
     "gia hạn '{1}' đã được dùng {2} lần: tối đa {3} lần"},
    /* ---- why a dossier pays its fee (explain, issue 16): {1} the amount as the language writes
     * it ("4000 VND", "4.000 đ"); a legal basis follows in brackets, as data; a relief follows
     * after "; " ---- */
    {"fee.category-is", "{1} is {2}", "{1} là {2}"},
    {"fee.category-not", "not {1}", "không {1}"},
    {"fee.exempt", "exempt: {1}", "được miễn: {1}"},
    {"fee.fixed", "{1}: the procedure's fixed fee", "{1}: mức thu cố định của thủ tục"},
    {"fee.reduced", "reduced by {1}: {2}", "được giảm {1}: {2}"},
    {"fee.rule", "{1}: computed by fee rule {2}", "{1}: tính theo quy tắc tính phí, lệ phí {2}"},
    {"fee.schedule", "{1}: fee schedule {2}, {3} in force from {4}",
     "{1}: biểu phí, lệ phí {2}, mức thu {3} áp dụng từ ngày {4}"},
    {"fee.schedule-none",
     "{1}: fee schedule {2} has no amount in force on {3}, the day of reception",
     "{1}: biểu phí, lệ phí {2} không có mức thu nào có hiệu lực vào ngày {3}, ngày tiếp nhận hồ "
     "sơ"},
    /* ---- field values ---- */
    {"field.choice", "field '{1}': '{2}' is not one of its options",
     "trường thông tin '{1}': '{2}' không thuộc các giá trị được chọn"},
    {"field.empty", "field '{1}' is required (an empty value is none)",
     "trường thông tin '{1}' là bắt buộc (giá trị rỗng được coi là chưa khai)"},
    {"field.invalid", "field '{1}': {2}", "trường thông tin '{1}' không hợp lệ: {2}"},
    {"field.money", "field '{1}': '{2}' is not an amount of money (a whole number)",
     "trường thông tin '{1}': '{2}' không phải là số tiền (một số nguyên)"},
    {"field.not-utf8", "field '{1}' is not valid UTF-8 (byte {2})",
     "trường thông tin '{1}' không phải văn bản UTF-8 hợp lệ (byte {2})"},
    {"field.pattern", "field '{1}': '{2}' does not match its pattern \"{3}\"",
     "trường thông tin '{1}': '{2}' không đúng định dạng \"{3}\""},
    {"field.pattern-limit", "field '{1}': '{2}' could not be checked against its pattern: {3}",
     "trường thông tin '{1}': không kiểm tra được '{2}' theo định dạng quy định: {3}"},
    {"field.required", "field '{1}' is required", "trường thông tin '{1}' là bắt buộc"},
    {"field.unknown", "procedure '{1}' has no field '{2}'",
     "thủ tục '{1}' không có trường thông tin '{2}'"},
    /* ---- conditions ---- */
    {"guard.false", "'{1}' is not allowed now: its condition does not hold",
     "chưa thể thực hiện '{1}': điều kiện chưa được đáp ứng"},
    {"guard.false-reason", "'{1}' is not allowed now: {2}", "chưa thể thực hiện '{1}': {2}"},
    /* ---- live registries' look-ups (docs/registries.md): why one was not answered; {1} is
     * the registry ---- */
    {"lookup.breaker-open",
     "{1} is not asked: its circuit breaker is open after {2} failed look-ups (next try in {3} s)",
     "không hỏi {1}: cầu dao ngắt mạch đang mở sau {2} lần tra cứu không thành công (thử lại sau "
     "{3} giây)"},
    {"lookup.error", "{1} answered an error", "{1} trả lời có lỗi"},
    {"lookup.error-why", "{1} answered an error: {2}", "{1} trả lời có lỗi: {2}"},
    {"lookup.http", "{1} answered HTTP {2}", "{1} trả lời mã HTTP {2}"},
    {"lookup.http-not-200", "{1} answered HTTP {2}, not 200",
     "{1} trả lời mã HTTP {2}, không phải 200"},
    {"lookup.incomplete", "{1} says its data on the subject are incomplete",
     "{1} cho biết dữ liệu về chủ thể này chưa đầy đủ"},
    {"lookup.incomplete-why", "{1} says its data on the subject are incomplete: {2}",
     "{1} cho biết dữ liệu về chủ thể này chưa đầy đủ: {2}"},
    {"lookup.libcurl", "{1} could not be asked: libcurl failed",
     "không hỏi được {1}: thư viện libcurl bị lỗi"},
    {"lookup.no-endpoint", "{1} cannot be asked: no endpoint configured",
     "không hỏi được {1}: chưa cấu hình địa chỉ kết nối"},
    {"lookup.no-reference", "{1} answered found without a record reference (1 to {2} bytes)",
     "{1} trả lời có bản ghi nhưng không có số hiệu bản ghi (từ 1 đến {2} byte)"},
    {"lookup.no-status", "{1} answered without a status", "{1} trả lời không có trạng thái"},
    {"lookup.no-subject", "{1} answered without the subject",
     "{1} trả lời không nêu chủ thể được hỏi"},
    {"lookup.not-date", "{1} answered an issue date that is not YYYY-MM-DD",
     "{1} trả lời ngày cấp không theo dạng YYYY-MM-DD"},
    {"lookup.not-json", "{1} answered something that is not a JSON object",
     "{1} trả lời không phải một đối tượng JSON"},
    {"lookup.oom", "out of memory asking {1}", "hết bộ nhớ khi hỏi {1}"},
    {"lookup.other-request", "{1} answered another request than {2}",
     "{1} trả lời cho một yêu cầu khác, không phải yêu cầu {2}"},
    {"lookup.other-subject", "{1} answered about another subject than the one asked",
     "{1} trả lời về một chủ thể khác với chủ thể được hỏi"},
    {"lookup.timeout", "{1} did not answer within {2} ms", "{1} không trả lời trong vòng {2} ms"},
    {"lookup.too-large", "{1} answered more than {2} bytes", "{1} trả lời dài quá {2} byte"},
    {"lookup.unknown-status", "{1} answered an unknown status '{2}'",
     "{1} trả lời trạng thái không xác định '{2}'"},
    {"lookup.unreachable", "{1} could not be reached: {2}", "không kết nối được với {1}: {2}"},
    /* ---- notes (§5.3) ---- */
    {"note.not-utf8", "the note is not valid UTF-8 (byte {1})",
     "ghi chú không phải văn bản UTF-8 hợp lệ (byte {1})"},
    {"note.too-long", "the note is too long ({1} bytes; at most 1 MiB)",
     "ghi chú quá dài ({1} byte; tối đa 1 MiB)"},
    {"note.unchecked",
     "the note could not be checked against the match pattern of {1} ({2}); shorten or rephrase "
     "it",
     "không đối chiếu được ghi chú với mẫu nhận diện của {1} ({2}); hãy rút gọn hoặc viết lại "
     "ghi chú"},
    /* ---- the once-only rule (§5): refusals, then the reasons a document is asked ---- */
    {"once-only.disputed", "disputed by {1}: {2}", "{1} phản ánh sai sót: {2}"},
    {"once-only.expired-day", "the record {1} in {2} expired on {3} (issued {4}, valid {5} day)",
     "giấy tờ số {1} trong {2} đã hết hiệu lực từ ngày {3} (cấp ngày {4}, có giá trị {5} ngày)"},
    {"once-only.expired-days", "the record {1} in {2} expired on {3} (issued {4}, valid {5} days)",
     "giấy tờ số {1} trong {2} đã hết hiệu lực từ ngày {3} (cấp ngày {4}, có giá trị {5} ngày)"},
    {"once-only.expired-month",
     "the record {1} in {2} expired on {3} (issued {4}, valid {5} month)",
     "giấy tờ số {1} trong {2} đã hết hiệu lực từ ngày {3} (cấp ngày {4}, có giá trị {5} tháng)"},
    {"once-only.expired-months",
     "the record {1} in {2} expired on {3} (issued {4}, valid {5} months)",
     "giấy tờ số {1} trong {2} đã hết hiệu lực từ ngày {3} (cấp ngày {4}, có giá trị {5} tháng)"},
    {"once-only.expired-year", "the record {1} in {2} expired on {3} (issued {4}, valid {5} year)",
     "giấy tờ số {1} trong {2} đã hết hiệu lực từ ngày {3} (cấp ngày {4}, có giá trị {5} năm)"},
    {"once-only.expired-years",
     "the record {1} in {2} expired on {3} (issued {4}, valid {5} years)",
     "giấy tờ số {1} trong {2} đã hết hiệu lực từ ngày {3} (cấp ngày {4}, có giá trị {5} năm)"},
    {"once-only.held",
     "once-only: {1} is held by {2} (record {3}); it may not be requested from the applicant",
     "chỉ cung cấp một lần: {1} đã có trong {2} (bản ghi {3}); không được yêu cầu người nộp hồ "
     "sơ cung cấp"},
    {"once-only.held-note",
     "once-only: {1} is held by {2} (record {3}); it may not be requested from the applicant "
     "(the note says '{4}')",
     "chỉ cung cấp một lần: {1} đã có trong {2} (bản ghi {3}); không được yêu cầu người nộp hồ "
     "sơ cung cấp (ghi chú viết '{4}')"},
    {"once-only.live-fetched", "fetched from {1}, record {2}, answered {3} to request {4}",
     "lấy từ {1}, bản ghi {2}, trả lời lúc {3} theo yêu cầu {4}"},
    {"once-only.live-incomplete",
     "{1} says its data are incomplete ({2}): asked of the applicant (Resolution "
     "66.7/2025/NQ-CP)",
     "{1} báo dữ liệu chưa đầy đủ ({2}): đề nghị người nộp hồ sơ cung cấp (Nghị quyết "
     "66.7/2025/NQ-CP)"},
    {"once-only.live-invalid",
     "{1} gave an answer that cannot be used ({2}): asked of the applicant (Resolution "
     "66.7/2025/NQ-CP)",
     "câu trả lời của {1} không sử dụng được ({2}): đề nghị người nộp hồ sơ cung cấp (Nghị "
     "quyết 66.7/2025/NQ-CP)"},
    {"once-only.live-reason", "{1}: asked of the applicant (Resolution 66.7/2025/NQ-CP)",
     "{1}: đề nghị người nộp hồ sơ cung cấp (Nghị quyết 66.7/2025/NQ-CP)"},
    {"once-only.live-unavailable",
     "{1} did not answer ({2}): asked of the applicant (Resolution 66.7/2025/NQ-CP)",
     "{1} không phản hồi ({2}): đề nghị người nộp hồ sơ cung cấp (Nghị quyết 66.7/2025/NQ-CP)"},
    {"once-only.live-waited-day",
     "{1} did not answer in {2} day of waiting ({3}): asked of the applicant (Resolution "
     "66.7/2025/NQ-CP)",
     "{1} không phản hồi sau {2} ngày chờ ({3}): đề nghị người nộp hồ sơ cung cấp (Nghị quyết "
     "66.7/2025/NQ-CP)"},
    {"once-only.live-waited-days",
     "{1} did not answer in {2} days of waiting ({3}): asked of the applicant (Resolution "
     "66.7/2025/NQ-CP)",
     "{1} không phản hồi sau {2} ngày chờ ({3}): đề nghị người nộp hồ sơ cung cấp (Nghị quyết "
     "66.7/2025/NQ-CP)"},
    {"once-only.live-waited-h",
     "{1} did not answer in {2} h of waiting ({3}): asked of the applicant (Resolution "
     "66.7/2025/NQ-CP)",
     "{1} không phản hồi sau {2} giờ chờ ({3}): đề nghị người nộp hồ sơ cung cấp (Nghị quyết "
     "66.7/2025/NQ-CP)"},
    {"once-only.live-waited-min",
     "{1} did not answer in {2} min of waiting ({3}): asked of the applicant (Resolution "
     "66.7/2025/NQ-CP)",
     "{1} không phản hồi sau {2} phút chờ ({3}): đề nghị người nộp hồ sơ cung cấp (Nghị quyết "
     "66.7/2025/NQ-CP)"},
    {"once-only.live-waiting", "{2}: the dossier waits for {1} until {3} (next try at {4})",
     "{2}: hồ sơ chờ cơ sở dữ liệu {1} trả lời đến {3} (thử lại lúc {4})"},
    {"once-only.no-party", "the dossier names no {1} to look up in {2}",
     "hồ sơ không nêu {1} để tra cứu trong {2}"},
    {"once-only.no-subject", "the dossier has no subject to look up in {1}",
     "hồ sơ không có chủ thể để tra cứu trong {1}"},
    {"once-only.not-found", "not found in {1}", "không tìm thấy trong {1}"},
    {"once-only.not-published", "{1} is in use only for dossiers submitted from {2}",
     "chỉ hồ sơ tiếp nhận từ ngày {2} mới được khai thác {1}"},
    {"once-only.requested", "requested by {1}", "{1} yêu cầu bổ sung"},
    {"parts.engine-event",
     "event '{1}' is fired by motcua when the parts of an interconnected dossier end, not by a "
     "person",
     "sự kiện '{1}' do hệ thống tự thực hiện khi các phần của hồ sơ liên thông kết thúc, không do "
     "người thực hiện"},
    {"party.applicant",
     "role 'applicant' may not change the {2} of dossier {1} (field '{3}'); an officer may "
     "correct it",
     "người nộp hồ sơ không được thay đổi {2} của hồ sơ {1} (trường thông tin '{3}'); cán bộ có "
     "thể sửa"},
    /* ---- procedures ---- */
    {"procedure.not-in-force", "no version of procedure '{1}' is in force on {2}",
     "không có phiên bản nào của thủ tục '{1}' có hiệu lực vào ngày {2}"},
    {"procedure.unknown", "unknown procedure '{1}'", "không có thủ tục '{1}'"},
    {"reform.conflict-abolishes-changed", "reform {1} abolishes {2}, which {3} changes: the procedure is abolished (the later one)",
     "phương án {1} bãi bỏ thủ tục {2} mà phương án {3} sửa đổi: thủ tục bị bãi bỏ (theo phương án sau)"},
    {"reform.conflict-both", "reforms {1} and {2} both change the {3} of {4}: {2}'s applies (the later one)",
     "hai phương án {1} và {2} cùng thay đổi {3} của thủ tục {4}: áp dụng phương án {2} (phương án sau)"},
    {"reform.conflict-both-field", "reforms {1} and {2} both change the field {3} of {4}: {2}'s applies (the later one)",
     "hai phương án {1} và {2} cùng thay đổi trường thông tin {3} của thủ tục {4}: áp dụng phương án {2} (phương án sau)"},
    {"reform.conflict-both-registry", "reforms {1} and {2} both change the {3} of registry {4}: {2}'s applies (the later one)",
     "hai phương án {1} và {2} cùng thay đổi {3} của cơ sở dữ liệu {4}: áp dụng phương án {2} (phương án sau)"},
    {"reform.conflict-both-requirement", "reforms {1} and {2} both change the requirement {3} of {4}: {2}'s applies (the later one)",
     "hai phương án {1} và {2} cùng thay đổi yêu cầu giấy tờ {3} của thủ tục {4}: áp dụng phương án {2} (phương án sau)"},
    {"reform.conflict-both-staff", "reforms {1} and {2} both set the officers of role {3} at agency {4}: {2}'s number applies ({5}, the later one)",
     "hai phương án {1} và {2} cùng bố trí cán bộ vai trò {3} tại cơ quan {4}: áp dụng phương án {2} ({5} cán bộ, phương án sau)"},
    {"reform.conflict-both-state", "reforms {1} and {2} both change the state {3} of {4}: {2}'s applies (the later one)",
     "hai phương án {1} và {2} cùng thay đổi bước xử lý {3} của thủ tục {4}: áp dụng phương án {2} (phương án sau)"},
    {"reform.conflict-changes-abolished", "reform {1} changes {2}, which {3} abolished: its change is not applied",
     "phương án {1} sửa đổi thủ tục {2} mà phương án {3} đã bãi bỏ: sửa đổi này không được áp dụng"},
    {"reform.conflict-drops-field", "reform {1} drops the field {2} of {3}, which {4} changes: it is dropped (the later one)",
     "phương án {1} bỏ trường thông tin {2} của thủ tục {3} mà phương án {4} thay đổi: trường thông tin bị bỏ (theo phương án sau)"},
    {"reform.conflict-drops-requirement", "reform {1} drops the requirement {2} of {3}, which {4} changes: it is dropped (the later one)",
     "phương án {1} bỏ yêu cầu giấy tờ {2} của thủ tục {3} mà phương án {4} thay đổi: yêu cầu bị bỏ (theo phương án sau)"},
    {"reform.conflict-drops-state", "reform {1} drops the state {2} of {3}, which {4} changes: it is dropped (the later one)",
     "phương án {1} bỏ bước xử lý {2} của thủ tục {3} mà phương án {4} thay đổi: bước xử lý bị bỏ (theo phương án sau)"},
    {"reform.conflict-revives-field", "reform {1} changes the field {2} of {3}, which {4} drops: {1}'s applies (the later one)",
     "phương án {1} thay đổi trường thông tin {2} của thủ tục {3} mà phương án {4} bỏ: áp dụng phương án {1} (phương án sau)"},
    {"reform.conflict-revives-requirement", "reform {1} changes the requirement {2} of {3}, which {4} drops: {1}'s applies (the later one)",
     "phương án {1} thay đổi yêu cầu giấy tờ {2} của thủ tục {3} mà phương án {4} bỏ: áp dụng phương án {1} (phương án sau)"},
    {"reform.conflict-revives-state", "reform {1} changes the state {2} of {3}, which {4} drops: {1}'s applies (the later one)",
     "phương án {1} thay đổi bước xử lý {2} của thủ tục {3} mà phương án {4} bỏ: áp dụng phương án {1} (phương án sau)"},
    {"reform.conflict-two-registries", "reforms {1} and {2} put document {3} in registries {4} and {5}: {5} holds it (the later one)",
     "hai phương án {1} và {2} đưa giấy tờ {3} vào hai cơ sở dữ liệu {4} và {5}: cơ sở dữ liệu {5} lưu giữ (theo phương án sau)"},
    /* ---- a request id (Idempotency-Key) used twice: {2} names the first request as the
     * engine recorded it (its operation and detail, in English) ---- */
    {"request-id.used", "request id '{1}' was already used for another request ({2})",
     "mã yêu cầu '{1}' đã được dùng cho một yêu cầu khác ({2})"},
    /* ---- roles ---- */
    {"role.not-allowed", "role '{1}' may not fire '{2}' in state '{3}' ({4} may)",
     "vai trò '{1}' không được thực hiện '{2}' ở trạng thái '{3}' (vai trò được phép: {4})"},
    /* ---- rules (§6): their own messages are the rule author's, and stay as written ---- */
    {"rule.failed", "{1}", "quy tắc không chạy được: {1}"},
    {"rule.fee-not-loaded", "fee rule {1}.{2} is not loaded",
     "quy tắc tính phí, lệ phí {1}.{2} chưa được nạp"},
    {"rule.limit", "{1}", "quy tắc vượt quá giới hạn: {1}"},
    {"rule.not-loaded", "rule {1}.{2} is not loaded", "quy tắc {1}.{2} chưa được nạp"},
    /* ---- states ---- */
    {"state.no-event", "'{1}' does not leave state '{2}'",
     "không thể thực hiện '{1}' ở trạng thái '{2}'"},
    {"state.no-event-but", "'{1}' does not leave state '{2}' (it can: {3})",
     "không thể thực hiện '{1}' ở trạng thái '{2}' (có thể thực hiện: {3})"},
    /* ---- the store (src/store): {1} is what the store was doing, {2} the database's own
     * words, both in English, kept for whoever reads the logs ---- */
    {"store.busy", "store: {1}: {2}",
     "cơ sở dữ liệu đang bận quá thời gian chờ, xin lỗi: hãy thử lại sau (store: {1}: {2})"},
    {"store.changed", "dossier {1} was changed by someone else meanwhile; try again",
     "hồ sơ {1} vừa được người khác cập nhật trong lúc xử lý: hãy thử lại"},
    {"store.lost", "store: {1}: the connection to the database was lost",
     "mất kết nối đến cơ sở dữ liệu, xin lỗi: hãy thử lại sau (store: {1})"},
    {"store.read-only",
     "store: {1}: the database is read-only (a standby, or no longer the primary)",
     "cơ sở dữ liệu đang ở chế độ chỉ đọc (máy chủ dự phòng, hoặc không còn là máy chủ chính), "
     "xin lỗi: hãy thử lại sau (store: {1})"},
    {"store.unreachable", "store: cannot connect to the database: {1}",
     "không kết nối được đến cơ sở dữ liệu, xin lỗi: hãy thử lại sau ({1})"},
    /* ---- a cost study's sentences (study.h, mc_study_say): what a run changed, what it left
     * out, where stacked reforms meet; "cơ sở dữ liệu" is a registry ---- */
    {"study.part", "{1}: part {2} of {3}", "{1}: phần {2} của thủ tục liên thông {3}"},
    {"study.sensitivity-coverage", "coverage of registry {1} {2}% (the catalogue says {3}%)",
     "tỷ lệ bao phủ của cơ sở dữ liệu {1}: {2}% (danh mục ghi {3}%)"},
    {"study.sensitivity-coverage-none",
     "coverage of registry {1} {2}% (the catalogue says no coverage, every subject)",
     "tỷ lệ bao phủ của cơ sở dữ liệu {1}: {2}% (danh mục không ghi tỷ lệ bao phủ, tức là mọi "
     "đối tượng)"},
    {"study.sensitivity-income", "hourly income {1} {2} (the cost model {3} says {4})",
     "thu nhập một giờ {1} {2} (mô hình chi phí {3} ghi {4})"},
    {"study.sensitivity-waiting-no-no",
     "waiting time not counted (the cost model {1}: not counted)",
     "không tính thời gian chờ (mô hình chi phí {1}: không tính)"},
    {"study.sensitivity-waiting-no-yes", "waiting time not counted (the cost model {1}: counted)",
     "không tính thời gian chờ (mô hình chi phí {1}: có tính)"},
    {"study.sensitivity-waiting-yes-no", "waiting time counted (the cost model {1}: not counted)",
     "có tính thời gian chờ (mô hình chi phí {1}: không tính)"},
    {"study.sensitivity-waiting-yes-yes", "waiting time counted (the cost model {1}: counted)",
     "có tính thời gian chờ (mô hình chi phí {1}: có tính)"},
    {"study.superseded", "{1}: superseded by {2}", "{1}: đã được thay thế bởi thủ tục {2}"},
    /* ---- the subject of a dossier ---- */
    {"subject.applicant",
     "role 'applicant' may not change the subject of dossier {1} (field '{2}'); an officer may "
     "correct it",
     "người nộp hồ sơ không được thay đổi chủ thể của hồ sơ {1} (trường thông tin '{2}'); "
     "cán bộ tiếp nhận có thể sửa"},
};

enum { NCATALOGUE = sizeof catalogue / sizeof catalogue[0] };

static const entry *find(const char *code)
{
    size_t lo = 0, hi = NCATALOGUE;
    while (code != NULL && lo < hi) { /* the table is sorted by code */
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(code, catalogue[mid].code);
        if (c == 0) {
            return &catalogue[mid];
        }
        if (c < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return NULL;
}

const char *mc_msg_code(size_t i)
{
    return i < NCATALOGUE ? catalogue[i].code : NULL;
}

const char *mc_msg_text(mc_lang lang, const char *code)
{
    const entry *m = find(code);
    if (m == NULL) {
        return NULL;
    }
    return lang == MC_LANG_VI && m->vi != NULL ? m->vi : m->en;
}

bool mc_msg_lang(const char *name, mc_lang *out)
{
    static const struct {
        const char *tag;
        mc_lang lang;
    } tags[] = {{"en", MC_LANG_EN}, {"vi", MC_LANG_VI}};
    if (name == NULL) {
        return false;
    }
    size_t n = strcspn(name, "-_");
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        const char *t = tags[i].tag;
        if (n == strlen(t) && (name[0] | 0x20) == t[0] && (name[1] | 0x20) == t[1]) {
            *out = tags[i].lang;
            return true;
        }
    }
    return false;
}

/* ==== formatting ========================================================================== */

/* The text being written: out[0..size), of which len bytes are wanted so far. */
typedef struct sink {
    char *out;
    size_t size, len;
} sink;

static void put(sink *s, const char *p, size_t n)
{
    if (s->len + 1 < s->size) {
        size_t room = s->size - 1 - s->len;
        memcpy(s->out + s->len, p, n < room ? n : room);
    }
    s->len += n;
}

/* Ends the text: NUL-terminated, and when it was cut, cut before a character split in two. */
static void finish(sink *s)
{
    if (s->size == 0) {
        return;
    }
    size_t k = s->len < s->size ? s->len : s->size - 1;
    if (s->len > k && k > 0) {
        const unsigned char *u = (const unsigned char *)s->out;
        size_t j = k - 1;
        while (j > 0 && (u[j] & 0xC0) == 0x80) {
            j--; /* the lead byte of the last character kept */
        }
        size_t need = u[j] < 0x80 ? 1 : u[j] >= 0xF0 ? 4 : u[j] >= 0xE0 ? 3 : u[j] >= 0xC0 ? 2 : 1;
        if (j + need > k) {
            k = j; /* its tail was cut off: drop it whole */
        }
    }
    s->out[k] = '\0';
}

int mc_msg_format(mc_lang lang, const char *code, const char *const *args, size_t nargs, char *out,
                  size_t outsz)
{
    sink s = {out, outsz, 0};
    const char *t = mc_msg_text(lang, code);
    if (t == NULL) {
        put(&s, code ? code : "", code ? strlen(code) : 0);
        finish(&s);
        return MC_ENOTFOUND;
    }
    while (*t != '\0') {
        if (t[0] == '{' && t[1] >= '1' && t[1] <= '9' && t[2] == '}') {
            size_t k = (size_t)(t[1] - '1');
            if (k < nargs && args[k] != NULL) {
                put(&s, args[k], strlen(args[k]));
                t += 3;
                continue;
            }
        }
        size_t n = strcspn(t + 1, "{") + 1; /* up to the next brace: text as it stands */
        put(&s, t, n);
        t += n;
    }
    finish(&s);
    return s.len > (size_t)0x7fffffff ? 0x7fffffff : (int)s.len;
}

/* ==== the language a request asks for ===================================================== */

/* The weight of ";q=W" in thousandths (0 to 1000), from p just after the tag; -1 when the
 * parameters cannot be read. Other parameters are ignored, as RFC 9110 lets a server do. */
static int weight(const char *p, const char *end)
{
    int q = 1000;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t')) {
            p++;
        }
        if (p == end) {
            break;
        }
        if (*p != ';') {
            return -1;
        }
        p++;
        while (p < end && (*p == ' ' || *p == '\t')) {
            p++;
        }
        if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
            p += 2;
            if (p == end || (*p != '0' && *p != '1')) {
                return -1;
            }
            int whole = *p++ - '0', frac = 0, digits = 0;
            if (p < end && *p == '.') {
                for (p++; p < end && *p >= '0' && *p <= '9' && digits < 3; p++, digits++) {
                    frac = frac * 10 + (*p - '0');
                }
            }
            for (; digits < 3; digits++) {
                frac *= 10;
            }
            q = whole * 1000 + frac;
            if (q > 1000 || (p < end && *p != ' ' && *p != '\t' && *p != ';')) {
                return -1;
            }
        } else {
            while (p < end && *p != ';') {
                p++; /* another parameter: skipped */
            }
        }
    }
    return q;
}

mc_lang mc_msg_accept_language(const char *header)
{
    /* Per language: its weight (-1: not named) and the position it was named at. */
    int q[2] = {-1, -1}, at[2] = {0, 0}, star = -1, pos = 0;
    const char *p = header;
    while (p != NULL && *p != '\0') {
        const char *end = p + strcspn(p, ",");
        while (p < end && (*p == ' ' || *p == '\t')) {
            p++;
        }
        const char *tag = p;
        while (p < end && *p != ';' && *p != ' ' && *p != '\t') {
            p++;
        }
        char name[36];
        size_t n = (size_t)(p - tag);
        int w = weight(p, end);
        pos++;
        if (n > 0 && n < sizeof name && w >= 0) {
            memcpy(name, tag, n);
            name[n] = '\0';
            mc_lang l;
            if (strcmp(name, "*") == 0) {
                star = w > star ? w : star;
            } else if (n >= 2 &&
                       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-"
                                    "_0123456789") == n &&
                       mc_msg_lang(name, &l) && (n == 2 || name[2] == '-' || name[2] == '_')) {
                if (w > q[l]) {
                    q[l] = w;
                    at[l] = at[l] ? at[l] : pos;
                }
            }
        }
        p = *end == ',' ? end + 1 : end;
    }
    int vi = q[MC_LANG_VI] >= 0 ? q[MC_LANG_VI] : star;
    int en = q[MC_LANG_EN] >= 0 ? q[MC_LANG_EN] : star;
    if (vi <= 0) {
        return MC_LANG_EN;
    }
    if (vi > en) {
        return MC_LANG_VI;
    }
    /* As much as English: Vietnamese only when named, and before English if both are. */
    bool vi_named = q[MC_LANG_VI] >= 0, en_named = q[MC_LANG_EN] >= 0;
    return vi == en && vi_named && (!en_named || at[MC_LANG_VI] < at[MC_LANG_EN]) ? MC_LANG_VI
                                                                                  : MC_LANG_EN;
}

/* ==== amounts and dates for people ======================================================== */

void mc_msg_money(mc_lang lang, long long amount, const char *currency, char *out, size_t outsz)
{
    if (outsz == 0) {
        return;
    }
    bool vnd = currency == NULL || currency[0] == '\0' || strcmp(currency, "VND") == 0;
    const char *cur = vnd ? "VND" : currency;
    if (lang != MC_LANG_VI) {
        snprintf(out, outsz, "%lld %s", amount, cur);
        return;
    }
    /* The digits of |amount| (as unsigned: LLONG_MIN has no positive twin), grouped by three. */
    unsigned long long v =
        amount < 0 ? 0ull - (unsigned long long)amount : (unsigned long long)amount;
    char digits[24], grouped[40];
    int n = snprintf(digits, sizeof digits, "%llu", v), k = 0;
    if (amount < 0) {
        grouped[k++] = '-';
    }
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            grouped[k++] = '.';
        }
        grouped[k++] = digits[i];
    }
    grouped[k] = '\0';
    snprintf(out, outsz, "%s %s", grouped, vnd ? "đ" : cur);
}

/* Whether the n bytes at s are digits. */
static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    return true;
}

void mc_msg_time(mc_lang lang, const char *iso, char *out, size_t outsz)
{
    if (outsz == 0) {
        return;
    }
    size_t n = strlen(iso);
    bool date = n >= 10 && all_digits(iso, 4) && iso[4] == '-' && all_digits(iso + 5, 2) &&
                iso[7] == '-' && all_digits(iso + 8, 2);
    bool time = date && n >= 16 && (iso[10] == 'T' || iso[10] == ' ') && all_digits(iso + 11, 2) &&
                iso[13] == ':' && all_digits(iso + 14, 2);
    bool secs = time && n >= 19 && iso[16] == ':' && all_digits(iso + 17, 2);
    if (lang != MC_LANG_VI || !date || n != (secs ? 19u : time ? 16u : 10u)) {
        snprintf(out, outsz, "%s", iso);
        return;
    }
    snprintf(out, outsz, "%.2s/%.2s/%.4s%s%.*s", iso + 8, iso + 5, iso, time ? " " : "",
             secs   ? 8
             : time ? 5
                    : 0,
             time ? iso + 11 : "");
}

size_t mc_msg_vargs(const char *args[MC_MSG_MAXARGS], size_t nargs, va_list ap)
{
    for (size_t i = 0; i < nargs; i++) {
        const char *v = va_arg(ap, const char *);
        if (i < MC_MSG_MAXARGS) {
            args[i] = v ? v : "";
        }
    }
    return nargs < MC_MSG_MAXARGS ? nargs : MC_MSG_MAXARGS;
}
