// The officer console of `motcua serve` (docs/console.md): sign-in, the queue, a dossier and
// its actions, the apology, intake at the desk, the head of unit's indicators and the printed
// forms 01–04 of Circular 03/2025/TT-VPCP, over the JSON API (docs/api.md). Vietnamese first,
// English by a switch; every word people read is in the table STRINGS below. Plain
// JavaScript, no library, no build step; the token lives in this tab's sessionStorage only.
'use strict';

// ---------------------------------------------------------------------------------------------
// Words. One table per language; a sentence is whole, with numbered arguments {1}, {2}…
const STRINGS = {
  vi: {
    'skip': 'Bỏ qua, đến nội dung chính',
    'brand': 'motcua — Bộ phận Một cửa',
    'nav': 'Chức năng',
    'nav-queue': 'Hồ sơ',
    'nav-intake': 'Tiếp nhận hồ sơ',
    'nav-indicators': 'Chỉ số đánh giá',
    'sign-in': 'Đăng nhập',
    'sign-out': 'Đăng xuất',
    'lang-other': 'English',
    'lang-other-code': 'en',
    'login-h': 'Đăng nhập bảng điều khiển cán bộ',
    'login-help': 'Dán mã truy cập do quản trị viên cấp cho anh/chị. Mã chỉ được giữ trong thẻ trình duyệt này.',
    'token': 'Mã truy cập',
    'token-unknown': 'Mã truy cập không đúng hoặc đã bị thu hồi.',
    'token-applicant': 'Mã truy cập này là của người nộp hồ sơ, không dùng để đăng nhập bảng điều khiển của cán bộ. Người dân tra cứu hồ sơ tại trang Tra cứu (/tra-cuu).',
    'who': '{1} — {2}',
    'role-applicant': 'Người nộp hồ sơ',
    'role-system': 'Hệ thống',
    'limit-wd': '{1} ngày làm việc',
    'limit-0': 'trong ngày',
    'limit-d': '{1} ngày',
    'limit-h': '{1} giờ',
    'queue-h': 'Hồ sơ',
    'search': 'Tra cứu: mã hồ sơ, số CCCD hoặc họ tên',
    'search-help': 'Họ tên: gõ từ họ, có dấu hay không dấu đều được.',
    'search-go': 'Tìm',
    'procedure': 'Thủ tục',
    'state': 'Trạng thái',
    'all-procedures': 'Tất cả thủ tục',
    'all-states': 'Tất cả trạng thái',
    'f-overdue': 'Chỉ hồ sơ quá hạn',
    'f-week': 'Đến hạn trong tuần này',
    'f-final': 'Gồm cả hồ sơ đã kết thúc',
    'col-code': 'Mã hồ sơ',
    'col-applicant': 'Người nộp',
    'col-due': 'Hẹn trả kết quả',
    'col-flag': 'Tình trạng',
    'queue-empty': 'Không có hồ sơ nào.',
    'counts': '{1} hồ sơ, {2} quá hạn',
    'counts-broad': 'Nhiều hồ sơ khớp; gõ thêm họ tên để đếm.',
    'counts-by-state': 'Theo trạng thái',
    'pager': 'Phân trang',
    'page-first': 'Trang đầu',
    'page-prev': 'Trang trước',
    'page-next': 'Trang sau',
    'page-n': 'Trang {1}',
    'overdue': 'Quá hạn',
    'on-time': 'Trong hạn',
    'closed': 'Đã kết thúc',
    'no-due': 'Chưa hẹn',
    'back-queue': '← Danh sách hồ sơ',
    'dossier-title': 'Hồ sơ số {1}: {2}',
    'late-flag': 'QUÁ HẠN: hạn trả kết quả là {1}.',
    'late-apologized': 'QUÁ HẠN: hạn trả kết quả là {1}; đã xin lỗi và hẹn lại ngày {2}.',
    'f-code': 'Mã hồ sơ',
    'f-procedure': 'Thủ tục',
    'f-state': 'Trạng thái',
    'f-submitted': 'Ngày nộp',
    'f-channel': 'Hình thức nộp',
    'f-due': 'Hẹn trả kết quả',
    'f-subject': 'Số định danh (CCCD)',
    'f-fee': 'Phí, lệ phí',
    'f-apology': 'Xin lỗi, hẹn lại ngày',
    'f-outcome': 'Kết quả',
    'f-parent': 'Thuộc hồ sơ liên thông',
    'parent-link': 'Hồ sơ số {1}, phần: {2}',
    'parts-h': 'Các phần liên thông',
    'col-part': 'Phần việc',
    'col-agency': 'Cơ quan giải quyết',
    'col-part-state': 'Tình trạng',
    'col-part-due': 'Hạn giải quyết',
    'part-waiting': 'Chờ các phần trước hoàn thành',
    'part-refused': 'Không chuyển được (xem lịch sử hồ sơ)',
    'part-not-needed': 'Không cần thực hiện',
    'part-late': 'trễ hạn',
    'part-open': 'Hồ sơ số {1}',
    'apology-fact': '{1} — lý do: {2}',
    'channel-counter': 'Trực tiếp tại Bộ phận Một cửa',
    'channel-online': 'Trực tuyến',
    'channel-post': 'Bưu chính',
    'outcome-granted': 'Đã giải quyết',
    'outcome-refused': 'Từ chối',
    'outcome-withdrawn': 'Đã rút hồ sơ',
    'fee-none': 'Không thu',
    'print-01': 'In Giấy tiếp nhận hồ sơ và hẹn trả kết quả (mẫu 01)',
    'print-02': 'In Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (mẫu 02)',
    'print-03': 'In Phiếu từ chối tiếp nhận giải quyết hồ sơ (mẫu 03)',
    'print-04': 'In Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết (mẫu 04)',
    'checklist-h': 'Thành phần hồ sơ',
    'col-document': 'Giấy tờ',
    'col-status': 'Tình trạng',
    'col-why': 'Ghi chú',
    'st-asked': 'Phải nộp',
    'st-provided': 'Đã nộp',
    'st-fetched': 'Đã có trong CSDL — không yêu cầu nộp',
    'st-waiting': 'Đang chờ CSDL trả lời',
    'fetched-from': '{1}, bản ghi {2}',
    'legal-basis': 'Căn cứ: {1}',
    'actions-h': 'Xử lý hồ sơ',
    'choose-action': 'Chọn thao tác',
    'action-as': '{1} (với vai trò {2})',
    'docs-to-request': 'Giấy tờ yêu cầu bổ sung',
    'note': 'Ghi chú, lý do',
    'do-action': 'Thực hiện',
    'no-action': 'Với vai trò của anh/chị, không có thao tác nào trên hồ sơ ở trạng thái này.',
    'no-action-closed': 'Hồ sơ đã kết thúc: không còn thao tác nào.',
    'done': 'Đã thực hiện: {1}.',
    'pick-action': 'Hãy chọn một thao tác.',
    'pick-docs': 'Hãy chọn ít nhất một giấy tờ cần bổ sung.',
    'refused': 'Không thực hiện được ({1}): {2}',
    'apology-h': 'Xin lỗi và hẹn lại ngày trả kết quả',
    'apology-date': 'Ngày hẹn trả kết quả mới',
    'date-words': 'Tức là ngày {1}.',
    'apology-reason': 'Lý do chậm trễ',
    'apology-submit': 'Ghi nhận xin lỗi',
    'apology-done': 'Đã ghi nhận xin lỗi; ngày hẹn mới {1}.',
    'apology-need': 'Hãy nhập ngày hẹn mới và lý do.',
    'as-role': 'Với vai trò',
    'history-h': 'Quá trình xử lý',
    'h-submit': 'Nộp hồ sơ ({1})',
    'h-fire': '{1}: {2} → {3}',
    'h-blocked': 'Bị từ chối thao tác {1}: {2}',
    'h-blocked-why': 'Bị từ chối thao tác {1} ({2}): {3}',
    'h-overdue': 'Hồ sơ quá hạn',
    'h-part-started': 'Chuyển phần {1} đến cơ quan giải quyết: hồ sơ số {2}',
    'h-part-refused': 'Không chuyển được phần {1}: {2}',
    'h-part-ended': 'Phần {1} (hồ sơ số {2}) đã kết thúc: {3}',
    'h-part-ended-late': 'Phần {1} (hồ sơ số {2}) đã kết thúc: {3}, trễ hạn',
    'h-part-not-needed': 'Phần {1} không cần thực hiện',
    'h-apology': 'Xin lỗi, hẹn lại ngày {1}; lý do: {2}',
    'h-timer': 'Tự động: {1} → {2}',
    'h-other': '{1}',
    'h-by': 'bởi {1}',
    'h-system': 'hệ thống',
    'h-note': 'Ghi chú: {1}',
    'h-docs': 'Yêu cầu bổ sung: {1}',
    'intake-h': 'Tiếp nhận hồ sơ',
    'find-procedure': 'Tìm thủ tục theo tên hoặc mã',
    'find-procedure-help': 'Ví dụ: khai sinh, 1.001193',
    'no-catalogue': 'Máy chủ chưa cung cấp danh mục thủ tục (/api/procedures); chưa tiếp nhận được tại quầy.',
    'no-procedure-found': 'Không tìm thấy thủ tục nào.',
    'proc-facts': 'Mã thủ tục {1} · {2} · thời hạn giải quyết {3} · lệ phí {4}',
    'fee-rule': 'tính theo quy định',
    'required-note': 'Mục có dấu * là bắt buộc.',
    'required': 'bắt buộc',
    'choose': '— Chọn —',
    'yes': 'Có',
    'when-is': '{1} là {2}',
    'err-required': 'Chưa nhập {1}.',
    'err-pattern': '{1} không đúng định dạng.',
    'err-int': '{1} phải là số nguyên.',
    'err-money': '{1} phải là số tiền (đồng, số nguyên).',
    'err-form': 'Hồ sơ chưa đủ thông tin: xem các mục được đánh dấu.',
    'intake-docs-h': 'Giấy tờ',
    'intake-enter-subject': 'Nhập số định danh để xem giấy tờ nào đã có trong cơ sở dữ liệu.',
    'intake-previewing': 'Đang tra cứu cơ sở dữ liệu…',
    'intake-no-preview': 'Máy chủ chưa xem trước được danh sách giấy tờ (/api/dossiers/preview): hãy nhận đủ các giấy tờ dưới đây.',
    'intake-fetched': 'Đã có trong CSDL — không yêu cầu nộp: {1} ({2}, bản ghi {3})',
    'intake-received': 'Giấy tờ người nộp phải nộp — đánh dấu khi đã nhận',
    'intake-submit': 'Tiếp nhận hồ sơ',
    'intake-done': 'Đã tiếp nhận hồ sơ số {1}.',
    'when': 'khi {1}',
    'ind-h': 'Chỉ số đánh giá chất lượng giải quyết thủ tục hành chính',
    'ind-period': 'Kỳ báo cáo: từ ngày {1} đến ngày {2}.',
    'from': 'Từ ngày',
    'to': 'Đến ngày',
    'show': 'Xem',
    'ind-unit': 'Theo đơn vị và thủ tục',
    'ind-officers': 'Theo cán bộ',
    'ind-no-officers': 'Máy chủ chưa cung cấp chỉ số theo cán bộ (/api/indicators?by=officer).',
    'ind-name': 'Đơn vị, thủ tục',
    'ind-received': 'Tiếp nhận',
    'ind-resolved': 'Đã giải quyết',
    'ind-on-time': 'Đúng hạn',
    'ind-late': 'Trễ hạn',
    'ind-in-progress': 'Đang giải quyết',
    'ind-overdue': 'Quá hạn',
    'ind-apologies': 'Xin lỗi',
    'ind-online': 'Trực tuyến (%)',
    'ind-on-time-pct': 'Đúng hạn (%)',
    'ind-officer': 'Cán bộ',
    'ind-handled': 'Hồ sơ đã xử lý',
    'ind-supplements': 'Yêu cầu bổ sung',
    'ind-refusals': 'Bị từ chối vì đã có trong CSDL',
    'ind-late-own': 'Trễ hạn ở bước của mình',
    'back-dossier': '← Về hồ sơ',
    'print': 'In (khổ A4)',
    'print-title': 'Mẫu {1}: hồ sơ số {2}',
    'error': 'Lỗi: {1}',
    'http': 'máy chủ trả lời {1}',
    'network': 'Không kết nối được máy chủ; xin kiểm tra mạng rồi thử lại.',
    'e-once-only': 'chỉ cung cấp một lần',
    'e-state': 'sai trạng thái',
    'e-guard': 'chưa đủ điều kiện',
    'e-role': 'không có quyền',
    'e-forbidden': 'không có quyền',
    'e-invalid-field': 'thông tin không hợp lệ',
    'e-not-found': 'không tìm thấy',
    'e-conflict': 'xung đột',
    'e-unavailable': 'máy chủ tạm thời không phục vụ được',
    'e-procedure-gone': 'thủ tục không còn chạy được',
    'e-limit': 'quy tắc vượt giới hạn',
    'e-bad-request': 'yêu cầu không hợp lệ',
    'e-too-many-requests': 'quá nhiều yêu cầu',
  },
  en: {
    'skip': 'Skip to the main content',
    'brand': 'motcua — one-stop desk',
    'nav': 'Sections',
    'nav-queue': 'Dossiers',
    'nav-intake': 'Take in a dossier',
    'nav-indicators': 'Indicators',
    'sign-in': 'Sign in',
    'sign-out': 'Sign out',
    'lang-other': 'Tiếng Việt',
    'lang-other-code': 'vi',
    'login-h': 'Sign in to the officer console',
    'login-help': 'Paste the token your administrator gave you. It stays in this browser tab only.',
    'token': 'Token',
    'token-unknown': 'This token is not known, or it was revoked.',
    'token-applicant': 'This is an applicant\'s token: it cannot sign in to the officer console. Citizens track their dossiers on the tracking page (/tra-cuu).',
    'who': '{1} — {2}',
    'role-applicant': 'Applicant',
    'role-system': 'System',
    'limit-wd': '{1} working days',
    'limit-0': 'the same day',
    'limit-d': '{1} days',
    'limit-h': '{1} hours',
    'queue-h': 'Dossiers',
    'search': 'Search: dossier number, citizen ID or name',
    'search-help': 'A name: type it from the family name, with or without accents.',
    'search-go': 'Search',
    'procedure': 'Procedure',
    'state': 'State',
    'all-procedures': 'Every procedure',
    'all-states': 'Every state',
    'f-overdue': 'Overdue only',
    'f-week': 'Due this week',
    'f-final': 'Include closed dossiers',
    'col-code': 'Dossier',
    'col-applicant': 'Applicant',
    'col-due': 'Result due',
    'col-flag': 'Status',
    'queue-empty': 'No dossier.',
    'counts': '{1} dossiers, {2} overdue',
    'counts-broad': 'Many dossiers match; type more of the name to count them.',
    'counts-by-state': 'By state',
    'pager': 'Pages',
    'page-first': 'First page',
    'page-prev': 'Previous page',
    'page-next': 'Next page',
    'page-n': 'Page {1}',
    'overdue': 'Overdue',
    'on-time': 'On time',
    'closed': 'Closed',
    'no-due': 'Not yet set',
    'back-queue': '← Dossiers',
    'dossier-title': 'Dossier {1}: {2}',
    'late-flag': 'OVERDUE: the result was due {1}.',
    'late-apologized': 'OVERDUE: the result was due {1}; apologised, new date {2}.',
    'f-code': 'Dossier number',
    'f-procedure': 'Procedure',
    'f-state': 'State',
    'f-submitted': 'Submitted',
    'f-channel': 'Channel',
    'f-due': 'Result due',
    'f-subject': 'Citizen ID',
    'f-fee': 'Fee',
    'f-apology': 'Apology, new date',
    'f-outcome': 'Outcome',
    'f-parent': 'Part of interconnected dossier',
    'parent-link': 'Dossier {1}, part: {2}',
    'parts-h': 'Interconnected parts',
    'col-part': 'Part',
    'col-agency': 'Agency',
    'col-part-state': 'Status',
    'col-part-due': 'Due',
    'part-waiting': 'Waiting for the parts before it',
    'part-refused': 'Could not start (see the history)',
    'part-not-needed': 'Not needed',
    'part-late': 'late',
    'part-open': 'Dossier {1}',
    'apology-fact': '{1} — reason: {2}',
    'channel-counter': 'At the one-stop counter',
    'channel-online': 'Online',
    'channel-post': 'By post',
    'outcome-granted': 'Granted',
    'outcome-refused': 'Refused',
    'outcome-withdrawn': 'Withdrawn',
    'fee-none': 'None',
    'print-01': 'Print the receipt and appointment slip (form 01)',
    'print-02': 'Print the supplement request (form 02)',
    'print-03': 'Print the refusal (form 03)',
    'print-04': 'Print the apology and extension of the time limit (form 04)',
    'checklist-h': 'Documents',
    'col-document': 'Document',
    'col-status': 'Status',
    'col-why': 'Notes',
    'st-asked': 'To hand in',
    'st-provided': 'Handed in',
    'st-fetched': 'Held in a database — not asked of the applicant',
    'st-waiting': 'Waiting for the database',
    'fetched-from': '{1}, record {2}',
    'legal-basis': 'Legal basis: {1}',
    'actions-h': 'Actions',
    'choose-action': 'Choose an action',
    'action-as': '{1} (as {2})',
    'docs-to-request': 'Documents to request',
    'note': 'Note, reason',
    'do-action': 'Do it',
    'no-action': 'None of your roles may act on this dossier in its state.',
    'no-action-closed': 'The dossier is closed: no action is left.',
    'done': 'Done: {1}.',
    'pick-action': 'Choose an action.',
    'pick-docs': 'Choose at least one document to request.',
    'refused': 'Refused ({1}): {2}',
    'apology-h': 'Apologise and set a new date',
    'apology-date': 'New date for the result',
    'date-words': 'That is {1}.',
    'apology-reason': 'Reason for the delay',
    'apology-submit': 'Record the apology',
    'apology-done': 'Apology recorded; new date {1}.',
    'apology-need': 'Enter the new date and the reason.',
    'as-role': 'As',
    'history-h': 'History',
    'h-submit': 'Submitted ({1})',
    'h-fire': '{1}: {2} → {3}',
    'h-blocked': '{1} refused: {2}',
    'h-blocked-why': '{1} refused ({2}): {3}',
    'h-overdue': 'Overdue',
    'h-part-started': 'Part {1} sent to its agency: dossier {2}',
    'h-part-refused': 'Part {1} could not start: {2}',
    'h-part-ended': 'Part {1} (dossier {2}) ended: {3}',
    'h-part-ended-late': 'Part {1} (dossier {2}) ended: {3}, late',
    'h-part-not-needed': 'Part {1} not needed',
    'h-apology': 'Apology, new date {1}; reason: {2}',
    'h-timer': 'Automatic: {1} → {2}',
    'h-other': '{1}',
    'h-by': 'by {1}',
    'h-system': 'the system',
    'h-note': 'Note: {1}',
    'h-docs': 'Requested: {1}',
    'intake-h': 'Take in a dossier',
    'find-procedure': 'Find a procedure by name or code',
    'find-procedure-help': 'For example: birth, 1.001193',
    'no-catalogue': 'The server does not give the catalogue yet (/api/procedures): dossiers cannot be taken in here.',
    'no-procedure-found': 'No procedure found.',
    'proc-facts': 'Code {1} · {2} · time limit {3} · fee {4}',
    'fee-rule': 'computed by a rule',
    'required-note': 'Fields marked * are required.',
    'required': 'required',
    'choose': '— Choose —',
    'yes': 'Yes',
    'when-is': '{1} is {2}',
    'err-required': '{1} is required.',
    'err-pattern': '{1} is not in the right format.',
    'err-int': '{1} must be a whole number.',
    'err-money': '{1} must be an amount (whole đồng).',
    'err-form': 'The form is not complete: see the marked fields.',
    'intake-docs-h': 'Documents',
    'intake-enter-subject': 'Enter the citizen ID to see which documents the databases already hold.',
    'intake-previewing': 'Looking up the databases…',
    'intake-no-preview': 'The server cannot preview the documents yet (/api/dossiers/preview): take in every document below.',
    'intake-fetched': 'Held in a database — not asked of the applicant: {1} ({2}, record {3})',
    'intake-received': 'Documents the applicant must hand in — tick each one received',
    'intake-submit': 'Take in the dossier',
    'intake-done': 'Dossier {1} taken in.',
    'when': 'when {1}',
    'ind-h': 'Service indicators',
    'ind-period': 'Period: from {1} to {2}.',
    'from': 'From',
    'to': 'To',
    'show': 'Show',
    'ind-unit': 'By unit and procedure',
    'ind-officers': 'By officer',
    'ind-no-officers': 'The server does not give indicators by officer yet (/api/indicators?by=officer).',
    'ind-name': 'Unit, procedure',
    'ind-received': 'Received',
    'ind-resolved': 'Resolved',
    'ind-on-time': 'On time',
    'ind-late': 'Late',
    'ind-in-progress': 'In progress',
    'ind-overdue': 'Overdue',
    'ind-apologies': 'Apologies',
    'ind-online': 'Online (%)',
    'ind-on-time-pct': 'On time (%)',
    'ind-officer': 'Officer',
    'ind-handled': 'Handled',
    'ind-supplements': 'Supplements requested',
    'ind-refusals': 'Once-only refusals',
    'ind-late-own': 'Late at their own step',
    'back-dossier': '← Back to the dossier',
    'print': 'Print (A4)',
    'print-title': 'Form {1}: dossier {2}',
    'error': 'Error: {1}',
    'http': 'the server answered {1}',
    'network': 'The server cannot be reached; check the network and try again.',
    'e-once-only': 'once-only',
    'e-state': 'state',
    'e-guard': 'condition',
    'e-role': 'role',
    'e-forbidden': 'forbidden',
    'e-invalid-field': 'invalid',
    'e-not-found': 'not found',
    'e-conflict': 'conflict',
    'e-unavailable': 'unavailable',
    'e-procedure-gone': 'procedure gone',
    'e-limit': 'rule limit',
    'e-bad-request': 'bad request',
    'e-too-many-requests': 'too many requests',
  },
};

// The printed forms are official Vietnamese papers: always in Vietnamese, whatever the switch.
const FORMS = {
  motto1: 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
  motto2: 'Độc lập - Tự do - Hạnh phúc',
  place: '…………, ngày {1} tháng {2} năm {3}',
  placeBlank: '…………, ngày …… tháng …… năm ……',
  t01: 'GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ',
  t02: 'PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ',
  t03: 'PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ',
  t04: 'VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT',
  code: 'Mã hồ sơ: {1}',
  received: '{1} tiếp nhận hồ sơ của:',
  applicant: 'Ông/bà: {1}',
  subject: 'Số định danh cá nhân (CCCD): {1}',
  contact: 'Số điện thoại: ……………………  Email: ……………………',
  request: 'Nội dung yêu cầu giải quyết: {1}',
  docs01: '1. Thành phần hồ sơ nộp gồm:',
  fetched01: 'Giấy tờ đã có trong cơ sở dữ liệu, không yêu cầu nộp:',
  colNo: 'STT',
  colDoc: 'Tên giấy tờ',
  colKind: 'Bản chính / bản sao',
  colCount: 'Số lượng',
  colSource: 'Cơ sở dữ liệu, bản ghi',
  sets: '2. Số lượng hồ sơ: 01 bộ.',
  limit: '3. Thời gian giải quyết hồ sơ theo quy định: {1}.',
  at: '4. Thời gian nhận hồ sơ: {1}.',
  due: '5. Thời gian trả kết quả giải quyết hồ sơ: {1}.',
  dueNone: '5. Thời gian trả kết quả giải quyết hồ sơ: sẽ hẹn khi hồ sơ được tiếp nhận đủ.',
  where: '6. Nơi nhận kết quả: Bộ phận Một cửa, {1}.',
  book: 'Vào Sổ theo dõi hồ sơ, quyển số: ……, số thứ tự: ……',
  signApplicant: 'NGƯỜI NỘP HỒ SƠ',
  signOfficer: 'NGƯỜI TIẾP NHẬN HỒ SƠ',
  signGuide: 'NGƯỜI HƯỚNG DẪN',
  signHead: 'THỦ TRƯỞNG CƠ QUAN',
  signDrafter: 'NGƯỜI LẬP VĂN BẢN',
  signHint: '(Ký và ghi rõ họ tên)',
  signSeal: '(Ký, ghi rõ họ tên và đóng dấu)',
  intro02: 'Vào {1}, {2} tiếp nhận hồ sơ của:',
  body02: 'Sau khi xem xét, đối chiếu thành phần hồ sơ, {1} đề nghị ông/bà bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:',
  reason: 'Lý do: {1}',
  contact02: 'Trong quá trình hoàn thiện hồ sơ nếu có vướng mắc, ông/bà liên hệ Bộ phận Một cửa, {1} để được hướng dẫn.',
  thanks: 'Xin trân trọng cảm ơn!',
  body03: 'Qua nghiên cứu, xem xét, đối chiếu hồ sơ với quy định, {1} thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:',
  end03: 'Xin thông báo để ông/bà được biết và thực hiện./.',
  due04: 'Thời gian hẹn trả kết quả giải quyết hồ sơ: {1}.',
  body04: 'Tuy nhiên đến nay, {1} chưa trả kết quả giải quyết hồ sơ cho ông/bà.',
  sorry04: 'Sự chậm trễ này đã gây phiền hà cho ông/bà. {1} xin lỗi ông/bà và sẽ trả kết quả giải quyết hồ sơ vào {2}.',
  none: '(không có)',
  docTitle: 'Mẫu {1}: hồ sơ số {2}',
  dots: '……………………………………',
  original: 'Bản chính',
};

let lang = localStorage.getItem('motcua-lang') === 'en' ? 'en' : 'vi';

// A sentence of the chosen language with its arguments put in.
function t(key, ...args) {
  const s = STRINGS[lang][key] ?? STRINGS.vi[key] ?? key;
  return s.replace(/\{(\d)\}/g, (_, i) => String(args[i - 1] ?? ''));
}
function f(key, ...args) {
  return FORMS[key].replace(/\{(\d)\}/g, (_, i) => String(args[i - 1] ?? ''));
}

// ---------------------------------------------------------------------------------------------
// Small helpers.
const $ = (sel) => document.querySelector(sel);
let me = null; // GET /api/whoami: actor, roles, agency, agencies
let catalogue = null; // GET /api/procedures, or null while the server lacks it
let catalogueTried = false;

function el(tag, content, cls) {
  const e = document.createElement(tag);
  if (content !== undefined && content !== null) e.textContent = content;
  if (cls) e.className = cls;
  return e;
}

// "2025-07-14T17:00" → "14/07/2025 17:00"; "2025-07-21" → "21/07/2025".
function fmtDate(s) {
  if (!s) return '';
  const m = String(s).match(/^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d))?/);
  if (!m) return String(s);
  return `${m[3]}/${m[2]}/${m[1]}` + (m[4] ? ` ${m[4]}:${m[5]}` : '');
}
// 1234567 → "1.234.567 đ"
function fmtMoney(n) {
  if (n === null || n === undefined) return t('fee-rule');
  if (Number(n) === 0) return t('fee-none');
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '.') + ' đ';
}
// The appointment of a dossier: its due instant, or, once its clock has stopped (a closed
// dossier), the last one its events set (seconds since 1970, said in Vietnam's time, UTC+7).
function dueOf(d) {
  if (d.due) return d.due;
  const ev = [...d.history || []].reverse().find((e) => e.body && typeof e.body.due === 'number');
  if (!ev) return null;
  return new Date((ev.body.due + 7 * 3600) * 1000).toISOString().slice(0, 16);
}
function isoDay(d) {
  const p = (x) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

// A part's title ({en, vi}) in the chosen language, or its name.
function partTitle(tt, name) {
  return (tt && (tt[lang] || tt.vi || tt.en)) || name || '';
}
// The parts of an interconnected dossier (issue 25): each agency's share, how it stands, its
// due instant, and a link to its own dossier.
function drawParts(d) {
  const box = $('#d-parts-box');
  const rows = $('#d-parts tbody');
  rows.replaceChildren();
  box.hidden = !(d.parts && d.parts.length);
  for (const p of d.parts || []) {
    const tr = el('tr');
    const name = el('td', partTitle(p.title, p.part));
    name.dataset.label = t('col-part');
    const agency = el('td', p.agency ? title('agency', p.agency) : '—');
    agency.dataset.label = t('col-agency');
    const st = el('td');
    st.dataset.label = t('col-part-state');
    if (p.dossier) {
      const a = el('a', title('state', p.state));
      a.href = '#/ho-so/' + p.dossier;
      a.title = t('part-open', p.dossier);
      st.appendChild(a);
      if (p.late || p.overdue) st.append(' — ', el('strong', t('part-late'), 'late'));
    } else {
      st.textContent = t('part-' + p.status);
    }
    const due = el('td', p.due ? fmtDate(p.due) : '—');
    due.dataset.label = t('col-part-due');
    tr.append(name, agency, st, due);
    rows.appendChild(tr);
  }
}

// The catalogue's title of a thing in the chosen language, or its name.
const titles = { procedure: new Map(), document: new Map(), state: new Map(), event: new Map(),
  role: new Map(), registry: new Map(), agency: new Map(), field: new Map(), option: new Map() };
function title(kind, name) {
  if (name === null || name === undefined) return '';
  const tt = titles[kind].get(name);
  if (!tt && kind === 'role' && (name === 'applicant' || name === 'system')) return t('role-' + name);
  return (tt && (tt[lang] || tt.vi || tt.en)) || name;
}
// The title of an option of a procedure's choice field in the chosen language, or its name.
function optionTitle(proc, field, o) {
  const tt = titles.option.get(`${proc}/${field}/${o}`);
  return (tt && (tt[lang] || tt.vi || tt.en)) || o;
}
// A time limit as the catalogue writes it ("5wd", "30d", "4h") in words.
function fmtLimit(s) {
  const m = String(s || '').match(/^(\d+(?:\.\d+)?)(wd|d|h)$/);
  if (m && Number(m[1]) === 0) return t('limit-0'); // "0wd": the result the same day
  return m ? t('limit-' + m[2], lang === 'vi' ? m[1].replace('.', ',') : m[1]) : (s || '—');
}
function indexCatalogue() {
  for (const m of Object.values(titles)) m.clear();
  if (!catalogue) return;
  for (const p of catalogue.procedures || []) {
    titles.procedure.set(p.name, p.title);
    if (p.agency) titles.agency.set(p.agency, p.agency_title);
    for (const d of p.documents || []) titles.document.set(d.name, d.title);
    for (const s of p.states || []) titles.state.set(s.name, s.title);
    for (const e of p.events || []) titles.event.set(e.name, e.title);
    for (const x of p.fields || []) {
      titles.field.set(p.name + '/' + x.name, x.title);
      for (const [o, tt] of Object.entries(x.option_titles || {})) titles.option.set(`${p.name}/${x.name}/${o}`, tt);
    }
  }
  for (const r of catalogue.roles || []) titles.role.set(r.name, r.title);
  for (const r of catalogue.registries || []) titles.registry.set(r.name, r.title);
  for (const a of catalogue.agencies || []) titles.agency.set(a.name, a.title);
}
function procedureOf(name) {
  return catalogue ? (catalogue.procedures || []).find((p) => p.name === name) || null : null;
}

// A request to the API in the chosen language. Resolves to the answer's JSON; rejects with an
// Error whose message is the API's own (or a sentence of ours when the answer has none), and
// whose `error`, `code`, `args` and `status` are the answer's.
function token() { return sessionStorage.getItem('motcua-token'); }
async function call(method, path, body, headers) {
  const opts = { method, headers: { 'Accept-Language': lang, ...(headers || {}) } };
  if (token()) opts.headers.Authorization = 'Bearer ' + token();
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  let res;
  let raw;
  try {
    res = await fetch(path, opts);
    raw = await res.text();
  } catch {
    throw new Error(t('network')); // no answer: the operation may or may not have happened
  }
  let data = null;
  try { data = raw ? JSON.parse(raw) : null; } catch { data = null; }
  if (!res.ok || data === null) {
    const err = new Error((data && data.message) || t('http', res.status));
    err.error = data && data.error;
    err.code = data && data.code;
    err.args = data && data.args;
    err.status = res.status;
    throw err;
  }
  return data;
}

// The API's sentence with the catalogue's names among its arguments said by their titles
// ("marriage-certificate đã có trong civil-status" → "Giấy chứng nhận kết hôn đã có trong Cơ sở
// dữ liệu hộ tịch điện tử"): only an argument that is a document's, registry's, state's,
// event's or procedure's name, and only where it stands as a whole word.
function withTitles(msg, args) {
  let out = String(msg);
  for (const a of Array.isArray(args) ? args : []) {
    if (typeof a !== 'string' || !/^[a-z][a-z0-9-]*$/.test(a)) continue;
    const kind = ['document', 'registry', 'state', 'event', 'procedure'].find((k) => titles[k].has(a));
    if (!kind) continue;
    out = out.replace(new RegExp(`(^|[^a-z0-9-])${a}(?![a-z0-9-])`, 'g'), (m, lead) => lead + title(kind, a));
  }
  return out;
}

// A sentence without its arguments (a checklist's reason) with every word that is a catalogue
// name said by its title.
function namesTitled(msg) {
  return withTitles(msg, [...new Set(String(msg || '').match(/[a-z][a-z0-9-]*/g) || [])]);
}

// A refusal in words: the label of its error code, then the API's message (without a leading
// "CODE: " the label already says), the catalogue's names in it by their titles.
function refusal(err) {
  let msg = withTitles(err.message, err.args);
  for (const lead of [err.error + ': ', t('e-' + err.error) + ': ']) {
    if (err.error && msg.startsWith(lead)) msg = msg.slice(lead.length);
  }
  if (!err.status) return msg; // our own sentence (no answer from the server)
  return err.error ? t('refused', t('e-' + err.error), msg) : t('error', msg);
}

function randomKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return 'console-' + [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

// ---------------------------------------------------------------------------------------------
// Language.
function applyLanguage() {
  document.documentElement.lang = lang;
  document.title = t('brand');
  for (const e of document.querySelectorAll('[data-t]')) e.textContent = t(e.dataset.t);
  const sw = $('#lang-switch');
  sw.textContent = t('lang-other');
  sw.lang = t('lang-other-code');
}
function switchLanguage() {
  lang = lang === 'vi' ? 'en' : 'vi';
  localStorage.setItem('motcua-lang', lang);
  applyLanguage();
  indexCatalogue();
  route();
}

const SECTIONS = ['login', 'queue', 'dossier', 'intake', 'indicators', 'print'];
function show(id) {
  for (const s of SECTIONS) $('#' + s).hidden = s !== id;
  document.body.classList.toggle('printing', id === 'print');
}

// ---------------------------------------------------------------------------------------------
// Sign-in.
function isHead() { return me && me.roles.includes('head'); }
function renderWho() {
  const signed = !!me;
  $('#nav').hidden = !signed;
  $('#sign-out').hidden = !signed;
  $('#nav-indicators').hidden = !isHead();
  $('#who').textContent = signed
    ? t('who', me.actor, me.roles.map((r) => title('role', r)).join(', ')) : '';
}

function signOut() {
  sessionStorage.removeItem('motcua-token');
  me = null;
  renderWho();
  location.hash = '#/';
  route();
}

async function signIn(event) {
  event.preventDefault();
  const value = $('#token').value.trim();
  $('#login-error').textContent = '';
  if (!value) return;
  sessionStorage.setItem('motcua-token', value);
  try {
    const who = await call('GET', '/api/whoami');
    if (who.roles.every((r) => r === 'applicant')) {
      sessionStorage.removeItem('motcua-token');
      $('#login-error').textContent = t('token-applicant');
      return;
    }
    me = who;
    $('#token').value = '';
    location.hash = '#/';
    await route();
  } catch (err) {
    sessionStorage.removeItem('motcua-token');
    $('#login-error').textContent = err.status === 401 ? t('token-unknown') : refusal(err);
  }
}

// The catalogue of the token's agencies (GET /api/procedures), once; null while the server lacks it.
async function loadCatalogue() {
  if (catalogueTried) return;
  catalogueTried = true;
  try {
    catalogue = await call('GET', '/api/procedures');
  } catch {
    catalogue = null;
  }
  indexCatalogue();
}

// ---------------------------------------------------------------------------------------------
// The queue: a page at a time (GET /api/dossiers with its cursor); the first page says how
// many match, by state. A new filter or search starts again from the first page.
const queue = { cursors: [null], page: 0, next: null, seenStates: new Set(), seenProcs: new Set() };

function queueParams() {
  const params = new URLSearchParams();
  params.set('limit', '20');
  const q = $('#search').value.trim();
  if (q) params.set('q', q);
  if ($('#f-procedure').value) params.set('procedure', $('#f-procedure').value);
  if ($('#f-state').value) params.set('state', $('#f-state').value);
  if ($('#f-overdue').checked) params.set('overdue', '1');
  if ($('#f-final').checked) params.set('final', 'include');
  if ($('#f-week').checked) {
    // Due before next Monday: due this week, overdue ones included.
    const d = new Date();
    d.setDate(d.getDate() + ((8 - d.getDay()) % 7 || 7));
    params.set('due-before', isoDay(d));
  }
  return params;
}

function fillSelect(select, all, names, kind) {
  const keep = select.value;
  select.replaceChildren(new Option(t(all), ''));
  for (const n of [...names].sort()) select.appendChild(new Option(title(kind, n), n));
  select.value = [...names].includes(keep) ? keep : '';
}

async function renderQueue(page) {
  show('queue');
  if (page === undefined) {
    queue.cursors = [null];
    queue.page = 0;
  } else {
    queue.page = page;
  }
  for (const p of (catalogue && catalogue.procedures) || []) {
    queue.seenProcs.add(p.name);
    for (const s of p.states || []) queue.seenStates.add(s.name);
  }
  const params = queueParams();
  const cursor = queue.cursors[queue.page];
  if (cursor) params.set('cursor', cursor);
  $('#queue-error').textContent = '';
  let data;
  try {
    data = await call('GET', '/api/dossiers?' + params);
  } catch (err) {
    $('#queue-error').textContent = refusal(err);
    return;
  }
  queue.next = data.next;
  queue.cursors[queue.page + 1] = data.next;
  $('#queue-next').hidden = !data.next;
  $('#queue-prev').hidden = queue.page === 0;
  $('#queue-first').hidden = queue.page < 2;
  $('#queue-page').textContent = queue.page > 0 || data.next ? t('page-n', queue.page + 1) : '';
  if (queue.page === 0) renderCounts(data.counts);
  for (const d of data.dossiers) {
    queue.seenStates.add(d.state);
    queue.seenProcs.add(d.procedure);
  }
  if (data.counts) Object.keys(data.counts.states).forEach((s) => queue.seenStates.add(s));
  fillSelect($('#f-procedure'), 'all-procedures', queue.seenProcs, 'procedure');
  fillSelect($('#f-state'), 'all-states', queue.seenStates, 'state');
  const body = $('#queue-table tbody');
  body.replaceChildren();
  for (const d of data.dossiers) {
    const tr = document.createElement('tr');
    if (d.overdue) tr.className = 'overdue';
    const link = el('a', String(d.id));
    link.href = '#/ho-so/' + d.id;
    link.setAttribute('aria-label', t('dossier-title', d.id, title('procedure', d.procedure)));
    const num = el('td');
    num.dataset.label = t('col-code');
    num.appendChild(link);
    const cell = (label, v) => {
      const c = el('td', v);
      c.dataset.label = t(label);
      return c;
    };
    // Who the dossier is about: the applicant's name, and under it the identifier (the CCCD),
    // so that a clerk finds the citizen without opening each dossier.
    const who = el('td');
    who.dataset.label = t('col-applicant');
    if (d.applicant || d.subject) {
      const box = el('div', null, 'who');
      if (d.applicant) box.appendChild(el('span', d.applicant, 'name'));
      if (d.subject) box.appendChild(el('span', d.subject, 'id'));
      who.appendChild(box);
    } else {
      who.classList.add('empty');
    }
    const flag = cell('col-flag');
    if (d.overdue) flag.appendChild(el('span', t('overdue'), 'badge late'));
    else if (d.final) flag.appendChild(el('span', t('closed'), 'badge closed'));
    else if (d.due) flag.appendChild(el('span', t('on-time'), 'badge ok'));
    else flag.classList.add('empty');
    tr.append(num, who, cell('procedure', title('procedure', d.procedure)), cell('state', title('state', d.state)),
      cell('col-due', d.due ? fmtDate(d.due) : t('no-due')), flag);
    body.appendChild(tr);
  }
  $('#queue-table').hidden = data.dossiers.length === 0;
  $('#queue-empty').hidden = data.dossiers.length > 0;
}

function renderCounts(counts) {
  const box = $('#queue-counts');
  box.replaceChildren();
  if (counts === null || counts === undefined) {
    box.appendChild(el('p', t('counts-broad')));
    return;
  }
  box.appendChild(el('p', t('counts', counts.total, counts.overdue), 'total'));
  const list = el('ul', null, 'states');
  list.setAttribute('aria-label', t('counts-by-state'));
  for (const [s, n] of Object.entries(counts.states)) {
    const b = el('button', `${title('state', s)}: ${n}`);
    b.type = 'button';
    b.addEventListener('click', () => {
      fillSelect($('#f-state'), 'all-states', queue.seenStates, 'state');
      $('#f-state').value = s;
      renderQueue();
    });
    const li = el('li');
    li.appendChild(b);
    list.appendChild(li);
  }
  box.appendChild(list);
}

// ---------------------------------------------------------------------------------------------
// A dossier.
let current = null; // the dossier shown (GET /api/dossiers/ID)

function lastApology(d) {
  return [...d.history || []].reverse().find((e) => e.kind === 'apology') || null;
}
function submitEvent(d) {
  return (d.history || []).find((e) => e.kind === 'submit') || null;
}
// The applicant's name: the procedure's name field (full-name, ho-ten…), if any.
function applicantName(d) {
  const s = submitEvent(d);
  const fields = (s && s.body && s.body.fields) || {};
  const key = Object.keys(fields).find((k) => /(^|-)(full-?name|name|ho-?ten)$/.test(k));
  return key ? fields[key] : '';
}

function statusCell(item) {
  const td = el('td');
  td.dataset.label = t('col-status');
  td.appendChild(el('span', t('st-' + item.status), 'badge ' + item.status));
  return td;
}

async function renderDossier(id, keepMessages) {
  show('dossier');
  if (!keepMessages) {
    $('#d-message').textContent = '';
    $('#d-done').textContent = '';
    $('#a-message').textContent = '';
  }
  const mine = renders;
  let d;
  try {
    d = await call('GET', `/api/dossiers/${id}`);
  } catch (err) {
    if (mine !== renders) return;
    $('#d-title').textContent = t('dossier-title', id, '');
    $('#d-message').textContent = refusal(err);
    for (const s of ['#d-facts', '#d-checklist tbody', '#d-parts tbody', '#d-history', '#d-prints']) $(s).replaceChildren();
    $('#d-action').hidden = true;
    return;
  }
  let why = null;
  try { why = await call('GET', `/api/dossiers/${id}/explain`); } catch { why = null; }
  if (mine !== renders) return; // a newer render (another route or action) draws instead
  if (flash && flash.id === d.id) { // what brought the officer here, said once on this dossier
    $('#d-done').textContent = flash.text;
    flash = null;
  }
  if (!current || current.id !== d.id) {
    // Another dossier: nothing typed for the last one carries over.
    $('#d-note').value = '';
    $('#d-apology').reset();
    $('#d-apology-box').open = false;
  }
  current = d;
  const proc = procedureOf(d.procedure);
  $('#d-title').textContent = t('dossier-title', d.id, title('procedure', d.procedure));
  const apology = lastApology(d);
  $('#d-late').hidden = !d.overdue;
  $('#d-late').textContent = apology
    ? t('late-apologized', fmtDate(d.due), fmtDate(apology.body.new_date))
    : t('late-flag', fmtDate(d.due));

  const facts = $('#d-facts');
  facts.replaceChildren();
  const fact = (k, v) => {
    const box = el('div');
    box.append(el('dt', t(k)), el('dd', v));
    facts.appendChild(box);
  };
  fact('f-code', String(d.id));
  fact('f-procedure', title('procedure', d.procedure) + (proc && proc.code ? ` (${proc.code})` : ''));
  fact('f-state', title('state', d.state));
  if (d.final && d.outcome) fact('f-outcome', t('outcome-' + d.outcome));
  fact('f-submitted', fmtDate(d.submitted));
  fact('f-channel', t('channel-' + d.channel));
  fact('f-due', dueOf(d) ? fmtDate(dueOf(d)) + (d.overdue ? ` — ${t('overdue')}` : '') : t('no-due'));
  if (apology) fact('f-apology', t('apology-fact', fmtDate(apology.body.new_date), apology.body.reason || ''));
  fact('f-subject', d.subject || '—');
  const s = submitEvent(d);
  for (const [k, v] of Object.entries((s && s.body && s.body.fields) || {})) {
    if (v === d.subject && d.subject) continue;
    const tt = titles.field.get(d.procedure + '/' + k);
    const box = el('div');
    box.append(el('dt', (tt && (tt[lang] || tt.vi)) || k),
      el('dd', v === 'true' ? t('yes') : v === 'false' ? '—'
        : /^\d{4}-\d\d-\d\d$/.test(String(v)) ? fmtDate(v) : optionTitle(d.procedure, k, String(v))));
    facts.appendChild(box);
  }
  fact('f-fee', fmtMoney(d.fee));
  if (d.parent) {
    // A part of an interconnected dossier: the whole, filed once, is one click away.
    const a = el('a', t('parent-link', d.parent, partTitle(d.part_title, d.part)));
    a.href = '#/ho-so/' + d.parent;
    const box = el('div');
    box.append(el('dt', t('f-parent')), el('dd'));
    box.lastChild.appendChild(a);
    facts.appendChild(box);
  }
  drawParts(d);

  const prints = $('#d-prints');
  prints.replaceChildren();
  const printLink = (n) => {
    const a = el('a', t('print-' + n));
    a.href = `#/in/${n}/${d.id}`;
    prints.appendChild(a);
  };
  printLink('01');
  if (supplementRequest(d)) printLink('02');
  if (d.final && d.outcome === 'refused') printLink('03');
  if (apology) printLink('04');

  const legal = new Map(((why && why.documents) || []).map((x) => [x.document, x.legal_basis]));
  const rows = $('#d-checklist tbody');
  rows.replaceChildren();
  for (const item of d.checklist || []) {
    const tr = el('tr');
    const doc = el('td', title('document', item.document));
    doc.dataset.label = t('col-document');
    const notes = el('td');
    notes.dataset.label = t('col-why');
    const lines = el('div');
    if (item.status === 'fetched') lines.appendChild(el('div', t('fetched-from', title('registry', item.registry), item.record)));
    if (item.reason) lines.appendChild(el('div', namesTitled(item.reason)));
    if (legal.get(item.document)) lines.appendChild(el('div', t('legal-basis', legal.get(item.document)), 'muted'));
    notes.appendChild(lines);
    tr.append(doc, statusCell(item), notes);
    rows.appendChild(tr);
  }

  // The actions this token may take: only the allowed ones, each with the role it acts as.
  const allowed = (d.actions || []).filter((a) => a.allowed);
  const list = $('#d-event-list');
  list.replaceChildren();
  allowed.forEach((a, i) => {
    const label = el('label', null, 'choice');
    const input = document.createElement('input');
    input.type = 'radio';
    input.name = 'event';
    input.value = String(i);
    input.dataset.event = a.event;
    input.dataset.as = a.as || '';
    input.addEventListener('change', showDocs);
    // The role is said only to an officer who holds more than one (a clerk knows they are one).
    label.append(input, ' ', el('span', me.roles.length > 1 ? t('action-as', title('event', a.event), title('role', a.as))
      : title('event', a.event)));
    list.appendChild(label);
  });
  if (allowed.length === 1) list.querySelector('input').checked = true;
  $('#d-action').hidden = allowed.length === 0;
  $('#d-no-action').hidden = allowed.length > 0;
  $('#d-no-action').textContent = t(d.final ? 'no-action-closed' : 'no-action');
  const docs = $('#d-doc-list');
  docs.replaceChildren();
  const names = proc ? proc.documents.map((x) => x.name) : (d.checklist || []).map((x) => x.document);
  for (const n of names) {
    const label = el('label', null, 'choice');
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.value = n;
    label.append(input, ' ', el('span', title('document', n)));
    docs.appendChild(label);
  }
  showDocs();

  // The apology: for an open dossier; the roles of the lifecycle's `apology by` (the API says
  // no to the others, in words).
  const box = $('#d-apology-box');
  box.hidden = d.final || d.apologized;
  const as = $('#a-as');
  as.replaceChildren();
  for (const r of me.roles) as.appendChild(new Option(title('role', r), r));
  $('#a-as-box').hidden = me.roles.length < 2;

  renderHistory(d);
}

function supplementRequest(d) {
  return [...d.history || []].reverse().find((e) => e.kind === 'fire' && e.body &&
    e.body.payload && (e.body.payload.documents || []).length > 0) || null;
}

// A document's condition as people read it: the procedure's field names in it replaced by the
// fields' titles ("parents-married" → “Cha, mẹ đã đăng ký kết hôn”), and a choice by its
// option's title ("status is widowed" → “Tình trạng hôn nhân” là “Có vợ/chồng đã chết”).
function whenText(p, when) {
  const fields = new Map((p.fields || []).map((x) => [x.name, x.title]));
  const said = (w) => {
    const tt = fields.get(w);
    return tt ? `“${(tt[lang] || tt.vi || tt.en || w)}”` : w;
  };
  const is = String(when).match(/^([a-z][a-z0-9_-]*) is "?([^"]*)"?$/);
  if (is && fields.has(is[1])) return t('when-is', said(is[1]), `“${optionTitle(p.name, is[1], is[2])}”`);
  return String(when).replace(/[a-z][a-z0-9_-]*/g, said);
}

// The documents' checkboxes, for an event that asks the applicant for documents.
function showDocs() {
  const chosen = document.querySelector('#d-event-list input:checked');
  $('#d-docs').hidden = !chosen || !/supplement|bo-sung/.test(chosen.dataset.event);
}

// A refusal in the history: the rule that refused it by its words ("chỉ cung cấp một lần"),
// not its code ("once-only: …"), then the engine's sentence.
function blockedLine(b) {
  const what = title('event', b.event || b.operation);
  const why = b.reason && STRINGS.vi['e-' + b.reason] ? t('e-' + b.reason) : null;
  // The sentence (said in the page's language by the server when the refusal recorded its
  // code), the catalogue's names by their titles, without the rule's word it repeats.
  let msg = b.message ? withTitles(b.message, b.args) : b.reason || '';
  for (const lead of [b.reason + ': ', why + ': ']) {
    if (b.reason && msg.startsWith(lead)) msg = msg.slice(lead.length);
  }
  return why ? t('h-blocked-why', what, why, msg) : t('h-blocked', what, msg);
}

function renderHistory(d) {
  const history = $('#d-history');
  history.replaceChildren();
  for (const ev of d.history || []) {
    const b = ev.body || {};
    let line;
    if (ev.kind === 'submit') line = t('h-submit', t('channel-' + (b.channel || 'counter')));
    else if (ev.kind === 'fire') line = t('h-fire', title('event', b.event), title('state', b.from), title('state', b.to));
    else if (ev.kind === 'blocked') line = blockedLine(b);
    else if (ev.kind === 'overdue') line = t('h-overdue');
    else if (ev.kind === 'apology') line = t('h-apology', fmtDate(b.new_date), b.reason || '');
    else if (ev.kind === 'timer') line = t('h-timer', title('state', b.from), title('state', b.to));
    else if (ev.kind.startsWith('part-')) {
      // An interconnected dossier's part (issue 25): sent to its agency, not needed, or refused.
      const part = (d.parts || []).find((x) => x.part === b.part);
      const name = partTitle(part && part.title, b.part);
      line = ev.kind === 'part-started' ? t('h-part-started', name, b.dossier)
        : ev.kind === 'part-ended' ? t(b.late ? 'h-part-ended-late' : 'h-part-ended', name, b.dossier, t('outcome-' + b.outcome))
        : ev.kind === 'part-refused' ? t('h-part-refused', name, b.reason || '')
          : t('h-part-not-needed', name);
    }
    else line = t('h-other', ev.kind);
    const li = el('li', null, ev.kind);
    li.appendChild(el('time', fmtDate(ev.at)));
    li.appendChild(el('span', ' ' + line + ' '));
    const by = b.user || (ev.actor === 'system' ? t('h-system') : title('role', ev.actor));
    li.appendChild(el('span', t('h-by', by + (b.user && ev.actor ? ` (${title('role', ev.actor)})` : '')), 'muted'));
    const p = b.payload || {};
    if ((p.documents || []).length) li.appendChild(el('div', t('h-docs', p.documents.map((x) => title('document', x)).join(', '))));
    if (p.note) li.appendChild(el('div', t('h-note', p.note)));
    history.appendChild(li);
  }
}

function fire(event) {
  event.preventDefault();
  return busy(fireNow);
}
async function fireNow() {
  const id = current.id;
  $('#d-message').textContent = '';
  $('#d-done').textContent = '';
  const chosen = document.querySelector('#d-event-list input:checked');
  if (!chosen) {
    $('#d-message').textContent = t('pick-action');
    return;
  }
  const body = { event: chosen.dataset.event };
  if (chosen.dataset.as) body.as = chosen.dataset.as;
  if (!$('#d-docs').hidden) {
    const docs = [...document.querySelectorAll('#d-doc-list input:checked')].map((x) => x.value);
    if (!docs.length) {
      $('#d-message').textContent = t('pick-docs');
      return;
    }
    body.documents = docs;
  }
  const note = $('#d-note').value.trim();
  if (note) body.note = note;
  try {
    await call('POST', `/api/dossiers/${id}/events`, body);
    $('#d-note').value = '';
    await renderDossier(id, true);
    $('#d-done').textContent = t('done', title('event', body.event));
  } catch (err) {
    await renderDossier(id, true);
    $('#d-message').textContent = refusal(err);
  }
}

function apologise(event) {
  event.preventDefault();
  return busy(apologiseNow);
}
async function apologiseNow() {
  const id = current.id;
  $('#a-message').textContent = '';
  const date = $('#a-date').value;
  const reason = $('#a-reason').value.trim();
  if (!date || !reason) {
    $('#a-message').textContent = t('apology-need');
    return;
  }
  const body = { new_date: date, reason };
  if (me.roles.length > 1) body.as = $('#a-as').value;
  try {
    await call('POST', `/api/dossiers/${id}/apology`, body);
    $('#a-reason').value = '';
    await renderDossier(id, true);
    $('#d-done').textContent = t('apology-done', fmtDate(date));
  } catch (err) {
    $('#a-message').textContent = refusal(err);
  }
}

// ---------------------------------------------------------------------------------------------
// Intake at the desk (tiếp nhận hồ sơ): a procedure, a form from its fields, the checklist
// from the registries (POST /api/dossiers/preview), the documents received, and the submission
// with channel "counter".
const intake = { proc: null, key: null, previewSeq: 0 };

// #/tiep-nhan lists the procedures; #/tiep-nhan/NAME opens the form of one (a link a desk can
// keep for the procedure it takes in most).
function renderIntake(name) {
  show('intake');
  $('#i-catalogue').textContent = catalogue ? '' : t('no-catalogue');
  $('#i-find').disabled = !catalogue;
  const p = name && catalogue ? catalogue.procedures.find((x) => x.name === name) : null;
  if (p && intake.proc !== p) startIntake(p);
  listProcedures();
}

function fold(s) {
  return String(s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd')
    .toLowerCase().replace(/\s+/g, ' ').trim();
}

function listProcedures() {
  const ul = $('#i-procedures');
  ul.replaceChildren();
  if (!catalogue) return;
  const q = fold($('#i-find').value);
  const found = catalogue.procedures.filter((p) => !q || fold(p.title.vi).includes(q) ||
    fold(p.title.en).includes(q) || fold(p.name).includes(q) || (p.code || '').includes(q));
  if (!found.length) ul.appendChild(el('li', t('no-procedure-found')));
  for (const p of found.slice(0, 20)) {
    const b = el('button', `${title('procedure', p.name)}${p.code ? ' — ' + p.code : ''}`);
    b.type = 'button';
    b.dataset.procedure = p.name;
    b.setAttribute('aria-pressed', String(intake.proc === p));
    b.addEventListener('click', () => {
      for (const o of ul.querySelectorAll('button')) o.setAttribute('aria-pressed', String(o === b));
      startIntake(p);
    });
    const li = el('li');
    li.appendChild(b);
    ul.appendChild(li);
  }
}

function fieldTitle(p, x) { return (x.title && (x.title[lang] || x.title.vi)) || x.name; }

function startIntake(p) {
  intake.proc = p;
  intake.key = randomKey();
  $('#i-form').hidden = false;
  $('#i-message').textContent = '';
  $('#i-proc-title').textContent = title('procedure', p.name);
  $('#i-proc-facts').textContent = t('proc-facts', p.code || '—', title('agency', p.agency),
    fmtLimit(p.time_limit), p.fee === 0 ? t('fee-none').toLocaleLowerCase(lang) : fmtMoney(p.fee));
  const box = $('#i-fields');
  box.replaceChildren();
  for (const x of p.fields) {
    const id = 'i-f-' + x.name;
    const wrap = el('div', null, 'field');
    const label = el('label', fieldTitle(p, x));
    label.htmlFor = id;
    if (x.required) {
      const mark = el('span', ' *', 'req');
      mark.setAttribute('aria-hidden', 'true');
      label.appendChild(mark);
      label.appendChild(el('span', ` (${t('required')})`, 'vh'));
    }
    let input;
    if (x.type === 'bool') {
      input = document.createElement('input');
      input.type = 'checkbox';
      wrap.classList.add('check');
    } else if (x.options && x.options.length) {
      input = document.createElement('select');
      input.appendChild(new Option(t('choose'), ''));
      for (const o of x.options) input.appendChild(new Option(optionTitle(p.name, x.name, o), o));
    } else {
      input = document.createElement('input');
      input.type = x.type === 'date' ? 'date' : 'text';
      if (x.type === 'int' || x.type === 'money') input.inputMode = 'numeric';
      if (x.pattern) input.dataset.pattern = x.pattern;
    }
    input.id = id;
    input.name = x.name;
    input.dataset.type = x.type;
    if (x.required) input.setAttribute('aria-required', 'true');
    const err = el('p', '', 'error inline');
    err.id = id + '-error';
    input.setAttribute('aria-describedby', err.id);
    input.addEventListener(x.type === 'bool' || x.options ? 'change' : 'input', () => {
      if (input.getAttribute('aria-invalid') !== 'true') return;
      intakeFields(true, x.name);
      if (intakeFields(false).ok && $('#i-message').textContent === t('err-form')) $('#i-message').textContent = '';
    });
    if (x.name === p.subject) input.addEventListener('change', () => preview());
    if (x.type === 'bool' || x.options) input.addEventListener('change', () => preview());
    if (x.type === 'bool') wrap.append(input, label, err);
    else wrap.append(label, input, err);
    box.appendChild(wrap);
  }
  $('#i-fetched').replaceChildren();
  $('#i-docs').replaceChildren();
  $('#i-docs-box').hidden = true;
  $('#i-preview-note').textContent = t('intake-enter-subject');
  $('#i-form').scrollIntoView();
  const first = box.querySelector('input, select');
  if (first) first.focus();
}

// Whether v matches the field's whole pattern; a pattern JavaScript cannot read is left to the
// server, which checks every field anyway.
function patternHolds(pattern, v) {
  try {
    return new RegExp('^(?:' + pattern + ')$', 'u').test(v);
  } catch {
    return true;
  }
}

// The fields as the API takes them, and the inline errors of those the form refuses.
function intakeFields(mark, only) {
  const p = intake.proc;
  const fields = {};
  let ok = true;
  for (const x of p.fields) {
    const input = document.getElementById('i-f-' + x.name);
    const err = document.getElementById('i-f-' + x.name + '-error');
    let msg = '';
    if (x.type === 'bool') {
      fields[x.name] = input.checked;
    } else {
      const v = input.value.trim();
      if (!v) {
        if (x.required) msg = t('err-required', fieldTitle(p, x));
      } else if (x.pattern && !patternHolds(x.pattern, v)) {
        msg = t('err-pattern', fieldTitle(p, x));
      } else if (x.type === 'int' && !/^-?\d+$/.test(v)) {
        msg = t('err-int', fieldTitle(p, x));
      } else if (x.type === 'money' && !/^\d+$/.test(v.replace(/\./g, ''))) {
        msg = t('err-money', fieldTitle(p, x));
      } else {
        fields[x.name] = x.type === 'int' ? Number(v) : x.type === 'money' ? v.replace(/\./g, '') : v;
      }
    }
    if (mark && (!only || only === x.name)) {
      err.textContent = msg;
      if (msg) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
    if (msg) ok = false;
  }
  return { fields, ok };
}

// The checklist of the dossier as it would be (contract 3), once the subject is valid.
async function preview() {
  const p = intake.proc;
  const subject = document.getElementById('i-f-' + p.subject);
  const { fields } = intakeFields(false);
  if (!subject || !(p.subject in fields)) {
    $('#i-preview-note').textContent = t('intake-enter-subject');
    return;
  }
  const seq = ++intake.previewSeq;
  $('#i-preview-note').textContent = t('intake-previewing');
  let checklist = null;
  try {
    const data = await call('POST', '/api/dossiers/preview', { procedure: p.name, fields, channel: 'counter' });
    checklist = data.checklist;
  } catch (err) {
    if (seq !== intake.previewSeq) return;
    if (err.status !== 404) {
      $('#i-preview-note').textContent = refusal(err);
      return;
    }
  }
  if (seq !== intake.previewSeq) return;
  const ticked = new Set([...document.querySelectorAll('#i-docs input:checked')].map((x) => x.value));
  const fetched = $('#i-fetched');
  const docs = $('#i-docs');
  fetched.replaceChildren();
  docs.replaceChildren();
  let toHand;
  if (checklist) {
    $('#i-preview-note').textContent = '';
    for (const item of checklist.filter((x) => x.status === 'fetched')) {
      fetched.appendChild(el('li', t('intake-fetched', title('document', item.document),
        title('registry', item.registry), item.record), 'badge-line fetched'));
    }
    toHand = checklist.filter((x) => x.status !== 'fetched').map((x) => ({ name: x.document, note: x.reason && namesTitled(x.reason) }));
  } else {
    $('#i-preview-note').textContent = t('intake-no-preview');
    toHand = p.documents.map((x) => ({ name: x.name, note: x.when ? t('when', whenText(p, x.when)) : '' }));
  }
  for (const x of toHand) {
    const label = el('label', null, 'choice');
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.value = x.name;
    input.checked = ticked.has(x.name);
    label.append(input, ' ', el('span', title('document', x.name)));
    if (x.note) label.appendChild(el('small', ' — ' + x.note, 'muted'));
    docs.appendChild(label);
  }
  $('#i-docs-box').hidden = toHand.length === 0;
}

async function submitIntake(event) {
  event.preventDefault();
  const p = intake.proc;
  $('#i-message').textContent = '';
  const { fields, ok } = intakeFields(true);
  if (!ok) {
    $('#i-message').textContent = t('err-form');
    const bad = document.querySelector('#i-fields [aria-invalid="true"]');
    if (bad) bad.focus();
    return;
  }
  const attach = [...document.querySelectorAll('#i-docs input:checked')].map((x) => x.value);
  $('#i-submit').disabled = true; // one dossier per click; a retry sends the same key anyway
  try {
    const d = await call('POST', '/api/dossiers', { procedure: p.name, fields, attach, channel: 'counter' },
      { 'Idempotency-Key': intake.key });
    intake.key = null;
    $('#i-form').hidden = true;
    // The dossier's page says it was taken in: the route (the hash's change) draws it once.
    flash = { id: d.id, text: t('intake-done', d.id) };
    location.hash = '#/ho-so/' + d.id;
  } catch (err) {
    // A field the engine refuses (field.*: its name first) is shown at that field too.
    if (err.code && err.code.startsWith('field.') && err.args && err.args[0]) {
      const e = document.getElementById('i-f-' + err.args[0] + '-error');
      if (e) {
        e.textContent = err.message;
        document.getElementById('i-f-' + err.args[0]).setAttribute('aria-invalid', 'true');
      }
    }
    $('#i-message').textContent = refusal(err);
    // The server answered no: nothing was filed, so the corrected form is a new request. Without
    // an answer (or a 5xx) the same key makes the retry safe.
    if (err.status >= 400 && err.status < 500) intake.key = randomKey();
  } finally {
    $('#i-submit').disabled = false;
  }
}

// ---------------------------------------------------------------------------------------------
// The head of unit's view: the indicators of the unit and of each officer (contract 5).
let indicatorsSeq = 0; // only the latest request draws (a menu click, then a period asked)
async function renderIndicators() {
  const seq = ++indicatorsSeq;
  show('indicators');
  if (!$('#ind-from').value) {
    const now = new Date();
    $('#ind-from').value = isoDay(new Date(now.getFullYear(), now.getMonth(), 1));
    $('#ind-to').value = isoDay(now);
  }
  $('#ind-error').textContent = '';
  $('#ind-period').textContent = '';
  let data;
  try {
    const q = new URLSearchParams({ from: $('#ind-from').value, to: $('#ind-to').value, by: 'officer' });
    data = await call('GET', '/api/indicators?' + q);
  } catch (err) {
    if (seq === indicatorsSeq) $('#ind-error').textContent = refusal(err);
    return;
  }
  if (seq !== indicatorsSeq) return;
  const table = (node, cols, rows) => {
    node.replaceChildren();
    const head = el('tr');
    for (const [, label] of cols) {
      const th = el('th', t(label));
      th.scope = 'col';
      head.appendChild(th);
    }
    const thead = el('thead');
    thead.appendChild(head);
    const tbody = el('tbody');
    for (const r of rows) {
      const tr = el('tr');
      cols.forEach(([key, label, fn], i) => {
        const c = el(i === 0 ? 'th' : 'td', fn ? fn(r) : String(r[key] ?? '—'));
        if (i === 0) c.scope = 'row';
        c.dataset.label = t(label);
        tr.appendChild(c);
      });
      tbody.appendChild(tr);
    }
    node.append(thead, tbody);
  };
  // The period in words, dd/mm/yyyy: a date input shows the browser's format (07/01/2025 in
  // an English browser), which an officer may read as 7 January.
  $('#ind-period').textContent = t('ind-period', fmtDate($('#ind-from').value), fmtDate($('#ind-to').value));
  const unitRows = [...(data.agencies || []).map((r) => ({ ...r, label: title('agency', r.name) })),
    ...(data.procedures || []).map((r) => ({ ...r, label: title('procedure', r.name) }))];
  table($('#ind-unit'), [['label', 'ind-name'], ['received', 'ind-received'], ['resolved', 'ind-resolved'],
    ['on_time', 'ind-on-time'], ['late', 'ind-late'], ['in_progress', 'ind-in-progress'],
    ['overdue', 'ind-overdue'], ['apologies', 'ind-apologies'],
    ['on_time_pct', 'ind-on-time-pct', (r) => pct(r.on_time_pct)], ['online_pct', 'ind-online', (r) => pct(r.online_pct)]],
  unitRows);
  const officers = data.officers;
  $('#ind-officers-note').textContent = officers ? '' : t('ind-no-officers');
  $('#ind-officers-box').hidden = !officers;
  if (officers) {
    table($('#ind-officers'), [['officer', 'ind-officer'], ['handled', 'ind-handled'], ['on_time', 'ind-on-time'],
      ['late', 'ind-late-own'], ['supplements', 'ind-supplements'], ['apologies', 'ind-apologies'],
      ['once_only_refusals', 'ind-refusals']], officers);
  }
}
function pct(v) {
  if (v === null || v === undefined || v === '-') return '—';
  return lang === 'vi' ? String(v).replace('.', ',') : String(v);
}

// ---------------------------------------------------------------------------------------------
// The printed forms 01–04 (Circular 03/2025/TT-VPCP), A4, in Vietnamese.
function formDate(s) {
  const m = String(s || '').match(/^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d))?/);
  if (!m) return f('dots');
  return (m[4] ? `${m[4]} giờ ${m[5]} phút, ` : '') + `ngày ${m[3]}/${m[2]}/${m[1]}`;
}
function fmtLimitVi(s) {
  const keep = lang;
  lang = 'vi';
  const out = fmtLimit(s);
  lang = keep;
  return out;
}
function viTitle(kind, name) {
  const tt = titles[kind].get(name);
  return (tt && (tt.vi || tt.en)) || name;
}

async function renderPrint(form, id) {
  show('print');
  const sheet = $('#sheet');
  sheet.replaceChildren();
  $('#print-back').href = '#/ho-so/' + id;
  $('#print-h').textContent = t('print-title', form, id);
  document.title = f('docTitle', form, id); // the PDF's title when printed
  let d;
  try {
    d = await call('GET', `/api/dossiers/${id}`);
  } catch (err) {
    sheet.appendChild(el('p', refusal(err), 'error'));
    return;
  }
  const proc = procedureOf(d.procedure);
  const agencyName = proc ? viTitle('agency', proc.agency) : (me.agency && me.agency !== '*' ? me.agency : f('dots'));
  const sub = submitEvent(d);
  const officer = (ev) => (ev && ev.body && ev.body.user) || me.actor;
  // The act each form records, from the dossier's history: the reception (01; a dossier not
  // yet received: its submission), the supplement request (02), the refusal (03), the apology
  // (04). The form is dated the day of that act, not the day it is printed.
  const recv = (d.history || []).find((e) => e.kind === 'fire' && e.body && e.body.event === 'receive');
  const req = supplementRequest(d);
  const ref = [...d.history || []].reverse().find((e) => e.kind === 'fire' && e.body && /refus/.test(e.body.event || ''));
  const ap = lastApology(d);
  const act = { '01': recv || sub, '02': req, '03': ref, '04': ap }[form];
  const day = String((act && act.at) || '').match(/^(\d{4})-(\d\d)-(\d\d)/);

  // The heading: agency and code on the left, the national motto on the right.
  const head = el('div', null, 'form-head');
  const left = el('div', null, 'left');
  left.append(el('p', agencyName.toUpperCase(), 'agency'), el('p', f('code', d.id), 'code'));
  const right = el('div', null, 'right');
  right.append(el('p', f('motto1'), 'motto'), el('p', f('motto2'), 'motto2'),
    el('p', day ? f('place', day[3], day[2], day[1]) : f('placeBlank'), 'place'));
  head.append(left, right);
  sheet.appendChild(head);
  sheet.appendChild(el('h2', f('t' + form), 'form-title'));
  const p = (s, cls) => sheet.appendChild(el('p', s, cls));
  const who = () => {
    p(f('applicant', applicantName(d) || f('dots')));
    p(f('subject', d.subject || f('dots')));
    p(f('contact'));
    p(f('request', viTitle('procedure', d.procedure)));
  };
  const docTable = (docs, cols) => {
    const tb = el('table', null, 'docs');
    const hr = el('tr');
    for (const c of cols) hr.appendChild(el('th', f(c)));
    const thead = el('thead');
    thead.appendChild(hr);
    const tbody = el('tbody');
    docs.forEach((x, i) => {
      const tr = el('tr');
      tr.appendChild(el('td', String(i + 1)));
      for (const v of x) tr.appendChild(el('td', v));
      tbody.appendChild(tr);
    });
    if (!docs.length) {
      const tr = el('tr');
      const td = el('td', f('none'));
      td.colSpan = cols.length;
      tr.appendChild(td);
      tbody.appendChild(tr);
    }
    tb.append(thead, tbody);
    sheet.appendChild(tb);
  };
  // The signatures: a role, its hint and, under the room for the pen, the name the store
  // knows (the officer's user); a name left empty is written by hand (the head's, on 04).
  const signs = (l, r, rName, hint, lName) => {
    const box = el('div', null, 'signs');
    for (const [who2, name, h] of [[l, lName, f('signHint')], [r, rName, hint || f('signHint')]]) {
      const c = el('div');
      if (who2) c.append(el('p', f(who2), 'sign-role'), el('p', h, 'sign-hint'), el('p', name || '', 'sign-name'));
      box.appendChild(c);
    }
    sheet.appendChild(box);
  };

  if (form === '01') {
    p(f('received', agencyName));
    who();
    p(f('docs01'));
    const given = (d.checklist || []).filter((x) => x.status === 'provided');
    docTable(given.map((x) => [viTitle('document', x.document), f('original'), '01']),
      ['colNo', 'colDoc', 'colKind', 'colCount']);
    const fetched = (d.checklist || []).filter((x) => x.status === 'fetched');
    if (fetched.length) {
      p(f('fetched01'));
      docTable(fetched.map((x) => [viTitle('document', x.document), `${viTitle('registry', x.registry)}, ${x.record}`]),
        ['colNo', 'colDoc', 'colSource']);
    }
    p(f('sets'));
    p(f('limit', proc && proc.time_limit ? fmtLimitVi(proc.time_limit) : f('dots')));
    p(f('at', formDate((recv && recv.at) || d.submitted)));
    p(dueOf(d) ? f('due', formDate(dueOf(d))) : f('dueNone'));
    p(f('where', agencyName));
    p(f('book'), 'muted');
    signs('signApplicant', 'signOfficer', officer(recv || sub));
  } else if (form === '02') {
    p(f('intro02', formDate((recv && recv.at) || d.submitted), agencyName));
    who();
    p(f('body02', agencyName));
    const docs = ((req && req.body.payload.documents) || []).map((x) => [viTitle('document', x)]);
    docTable(docs, ['colNo', 'colDoc']);
    if (req && req.body.payload.note) p(f('reason', req.body.payload.note));
    p(f('contact02', agencyName));
    p(f('thanks'));
    signs(null, 'signGuide', officer(req));
  } else if (form === '03') {
    p(f('received', agencyName));
    who();
    p(f('body03', agencyName));
    p((ref && ref.body.payload && ref.body.payload.note) || f('dots'), 'reason-box');
    p(f('end03'));
    signs(null, 'signOfficer', officer(ref));
  } else if (form === '04') {
    p(f('received', agencyName));
    who();
    p(f('due04', formDate(dueOf(d))));
    p(f('body04', agencyName));
    p(f('reason', (ap && ap.body.reason) || f('dots')));
    p(f('sorry04', agencyName, ap ? formDate(ap.body.new_date) : f('dots')));
    p(f('thanks'));
    // The head of the agency signs and seals it and writes their own name; the officer who
    // recorded the apology is the one the store knows: they sign as its drafter.
    signs('signDrafter', 'signHead', '', f('signSeal'), officer(ap));
  }
}

// ---------------------------------------------------------------------------------------------
// Routes: #/ (queue), #/ho-so/ID, #/tiep-nhan[/PROCEDURE], #/chi-so, #/in/NN/ID.
// Marks the content busy while fn runs (screen readers wait; tests too), and lets only the
// latest of overlapping renders draw.
let renders = 0;
// A sentence for the next drawing of a dossier's page ({id, text}), or null.
let flash = null;
async function busy(fn) {
  const main = $('#main');
  main.setAttribute('aria-busy', 'true');
  const mine = ++renders;
  try {
    await fn();
  } finally {
    if (mine === renders) main.removeAttribute('aria-busy');
  }
}

function route() {
  return busy(routeNow);
}

async function routeNow() {
  applyLanguage();
  if (!token()) {
    renderWho();
    show('login');
    return;
  }
  try {
    if (!me) {
      const who = await call('GET', '/api/whoami');
      if (who.roles.every((r) => r === 'applicant')) {
        sessionStorage.removeItem('motcua-token');
        show('login');
        $('#login-error').textContent = t('token-applicant');
        return;
      }
      me = who;
    }
    await loadCatalogue();
    renderWho();
    const h = location.hash;
    const here = h.startsWith('#/tiep-nhan') ? 'intake' : h.startsWith('#/chi-so') ? 'indicators'
      : h.startsWith('#/in/') ? '' : 'queue';
    for (const n of ['queue', 'intake', 'indicators']) {
      if (n === here) $('#nav-' + n).setAttribute('aria-current', 'page');
      else $('#nav-' + n).removeAttribute('aria-current');
    }
    let m;
    if ((m = h.match(/^#\/(?:ho-so|dossiers)\/(\d+)$/))) await renderDossier(m[1]);
    else if ((m = h.match(/^#\/in\/(0[1-4])\/(\d+)$/))) await renderPrint(m[1], m[2]);
    else if ((m = h.match(/^#\/tiep-nhan(?:\/([a-z0-9-]+))?$/))) renderIntake(m[1]);
    else if (h === '#/chi-so') await renderIndicators();
    else await renderQueue();
  } catch (err) {
    if (err.status === 401) {
      sessionStorage.removeItem('motcua-token');
      me = null;
      renderWho();
      show('login');
      $('#login-error').textContent = t('token-unknown');
    } else {
      show('queue');
      $('#queue-error').textContent = refusal(err);
    }
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('#login-form').addEventListener('submit', signIn);
  $('#sign-out').addEventListener('click', signOut);
  $('#lang-switch').addEventListener('click', switchLanguage);
  $('#skip').addEventListener('click', (e) => {
    e.preventDefault(); // the hash is the route: focus the content without changing it
    $('#main').focus();
  });
  $('#d-action').addEventListener('submit', fire);
  $('#d-apology').addEventListener('submit', apologise);
  $('#filter').addEventListener('submit', (e) => {
    e.preventDefault();
    renderQueue();
  });
  for (const s of ['#f-procedure', '#f-state', '#f-overdue', '#f-week', '#f-final']) {
    $(s).addEventListener('change', () => renderQueue());
  }
  $('#queue-next').addEventListener('click', () => renderQueue(queue.page + 1));
  $('#queue-prev').addEventListener('click', () => renderQueue(queue.page - 1));
  $('#queue-first').addEventListener('click', () => renderQueue(0));
  $('#i-find').addEventListener('input', listProcedures);
  $('#i-form').addEventListener('submit', submitIntake);
  $('#ind-form').addEventListener('submit', (e) => {
    e.preventDefault();
    renderIndicators();
  });
  $('#print-go').addEventListener('click', () => window.print());
  // The new date in words, dd/mm/yyyy, under its input (which a browser may show mm/dd/yyyy).
  $('#a-date').addEventListener('input', () => {
    const v = $('#a-date').value;
    $('#a-date-words').textContent = v ? t('date-words', fmtDate(v)) : '';
  });
  window.addEventListener('hashchange', route);
  route();
});
