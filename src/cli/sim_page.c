/* The simulation's briefing (sim_page.h): one page a People's Committee reads, in Vietnamese by
 * default. Every word comes from one table of both languages (words[] below, read through
 * brief.h as the cost briefing's are); amounts in triệu / tỷ đồng, other figures with the
 * language's separators. The page is printed on A4, so it lists the procedures that change most
 * (or have the most dossiers) and says where the rest is: the text, --format csv or json. */
#include "sim_page.h"

#include "brief.h"
#include "cli.h"

#include "base/buf.h"

#include "motcua/alloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the words of the page, in both languages --------------------------------------------- */

typedef enum word {
    W_TITLE,
    W_TITLE_REFORM,
    W_TITLE_COMPARE,
    W_META_RUN,
    W_META_CATALOGUE,
    W_SPLIT,
    W_YEAR,
    W_META_REFORM,
    W_META_REFORM_TITLE,
    W_META_MODEL,
    W_META_NO_MODEL,
    W_HEADLINE,
    W_TODAY,
    W_AFTER,
    W_CHANGE,
    W_H_WAS,
    W_H_COST,
    W_H_LEGAL,
    W_H_ON_TIME,
    W_H_LEAD,
    W_SENT_FALLS,
    W_SENT_RISES,
    W_SENT_SAME,
    W_SENT_ON_TIME_FALLS,
    W_SENT_ON_TIME_RISES,
    W_DAYS,
    W_CAV_SAMPLE,
    W_CAV_RUNS,
    W_CAV_FEW,
    W_CAV_FEW_COMPARE,
    W_CAV_NONE,
    W_CAV_RISES,
    W_CAV_RISES_NONE,
    W_CAV_UNFINISHED,
    W_CAV_GAP,
    W_CAV_NOTES,
    W_CAV_SENSITIVITY,
    W_CHANGES_H,
    W_CHANGES_BASIS,
    W_CHANGES_TEXT,
    W_CHANGES_MORE,
    W_C_NO,
    W_C_TARGET,
    W_C_CHANGE,
    W_C_BASIS,
    W_DOSSIERS_H,
    W_R_DOSSIERS,
    W_R_UNFINISHED,
    W_R_ASKED,
    W_R_FETCHED,
    W_R_VISITS,
    W_R_HOURS,
    W_R_COST,
    W_R_LEAD_MEAN,
    W_R_LEAD_P50,
    W_R_LEAD_P90,
    W_R_ON_TIME,
    W_YEAR_H,
    W_YEAR_TEXT,
    W_Y_VOLUME,
    W_Y_ANNUAL,
    W_Y_LEGAL,
    W_Y_COST,
    W_Y_GAP,
    W_Y_REVENUE,
    W_Y_STAFF,
    W_GAINS_H,
    W_GAINS_TEXT,
    W_G_GROUP,
    W_G_DOSSIERS,
    W_G_CHANGE,
    W_G_RISES,
    W_G_FALLS,
    W_G_CHART,
    W_G_ALL,
    W_G_CITIZEN,
    W_G_BUSINESS,
    W_G_ONLINE,
    W_G_COUNTER,
    W_G_FOUND,
    W_G_MISSED,
    W_GAIN,
    W_LOSS,
    W_SAVING_PER_DOSSIER,
    W_RUNS_H,
    W_RUNS_TEXT,
    W_F_COST,
    W_F_LEGAL,
    W_F_ANNUAL,
    W_F_REVENUE,
    W_F_ON_TIME,
    W_F_LEAD,
    W_F_ASKED,
    W_F_VISITS,
    W_F_STAFF,
    W_BY_AGENCY,
    W_BY_SECTOR,
    W_BY_PROCEDURE,
    W_BY_EMPTY,
    W_B_DOSSIERS,
    W_B_COST_TODAY,
    W_B_ANNUAL_TODAY,
    W_B_COST_AFTER,
    W_B_ANNUAL_AFTER,
    W_COMPARE_H,
    W_COMPARE_TEXT,
    W_COMPARE_CHART,
    W_CHART_SAVING_H,
    W_CHART_SAVING,
    W_CHART_SAVING_SOME,
    W_SAVING_YEAR,
    W_CHART_COST_H,
    W_CHART_COST,
    W_CHART_COST_SOME,
    W_ABOLISHED,
    W_LEAD_H,
    W_LEAD_CHART,
    W_SHARES_H,
    W_SHARES_ON_TIME,
    W_SHARES_DOCS,
    W_ON_TIME,
    W_LATE,
    W_FETCHED,
    W_ASKED,
    W_PROCS_H,
    W_PROCS_H_MOST,
    W_P_PROCEDURE,
    W_P_DOSSIERS,
    W_P_COST_TODAY,
    W_P_COST_AFTER,
    W_P_COST,
    W_P_ON_TIME,
    W_P_P50,
    W_P_SAVING,
    W_P_ANNUAL,
    W_P_FEW,
    W_P_REST,
    W_P_REST_MOST,
    W_IND_H,
    W_I_RECEIVED,
    W_I_RESOLVED,
    W_I_ON_TIME,
    W_I_LATE,
    W_I_ONLINE,
    W_I_RESULTS,
    W_I_FETCHED,
    W_I_ASKED,
    W_I_MEAN,
    W_METHOD_H,
    W_METHOD_TEXT,
    W_POOLS_H,
    W_POOLS_TEXT,
    W_PO_SIDE,
    W_PO_AGENCY,
    W_PO_ROLE,
    W_PO_OFFICERS,
    W_PO_JOBS,
    W_PO_BUSY,
    W_PO_QUEUE,
    W_PO_WAIT,
    W_COUNT
} word;

/* Placeholders {1} to {4} take the arguments of say() (numbered: a translation may put them in
 * another order). */
static const brief_word words[W_COUNT] = {
    [W_TITLE] = {"Mô phỏng giải quyết thủ tục hành chính", "Simulation of administrative "
                                                           "procedures"},
    [W_TITLE_REFORM] = {"Mô phỏng phương án cải cách: {1}", "Simulated reform: {1}"},
    [W_TITLE_COMPARE] = {"So sánh các phương án cải cách (mô phỏng)",
                         "Reforms compared (simulation)"},
    [W_META_RUN] = {"{1} hồ sơ mô phỏng ({2}), hạt giống {3}, nộp trong 365 ngày kể từ ngày {4}",
                    "{1} simulated dossiers ({2}), seed {3}, arriving over 365 days from {4}"},
    [W_META_CATALOGUE] = {"Danh mục thủ tục: {1}", "Catalogue: {1}"},
    [W_SPLIT] = {"chia theo số hồ sơ một năm của từng thủ tục", "split by each procedure's volume"},
    [W_YEAR] = {"đủ số hồ sơ một năm của từng thủ tục", "a year of each procedure's volume"},
    [W_META_REFORM] = {"Phương án: {1}", "Reform: {1}"},
    [W_META_REFORM_TITLE] = {"Phương án: {1} — {2}", "Reform: {1} — {2}"},
    [W_META_MODEL] = {"Chi phí tuân thủ theo mô hình {1} (Thông tư 02/2017/TT-VPCP): thu nhập "
                      "bình quân {2} một giờ",
                      "Applicant cost by the cost model {1} (Circular 02/2017/TT-VPCP): hourly "
                      "income {2}"},
    [W_META_NO_MODEL] =
        {"Danh mục không khai báo mô hình chi phí: chi phí tuân thủ không được tính",
         "The catalogue declares no cost model: applicant cost is not computed"},
    [W_HEADLINE] = {"Kết quả chính", "Headline"},
    [W_TODAY] = {"Hiện nay", "Today"},
    [W_AFTER] = {"Sau cải cách", "After the reform"},
    [W_CHANGE] = {"Thay đổi", "Change"},
    [W_H_WAS] = {"{1} sau cải cách (hiện nay: {2}{3})", "{1} after the reform (today: {2}{3})"},
    [W_H_COST] = {"Chi phí tuân thủ một hồ sơ", "Applicant cost per dossier"},
    [W_H_LEGAL] = {"Chi phí tuân thủ một năm (thời hạn luật định)",
                   "Applicant cost a year (legal method)"},
    [W_H_ON_TIME] = {"Tỷ lệ giải quyết đúng hạn", "Resolved on time"},
    [W_H_LEAD] = {"Thời gian giải quyết bình quân", "Mean lead time"},
    [W_SENT_FALLS] = {"Theo phương án, chi phí tuân thủ bình quân một hồ sơ giảm {1} ({2}); chi "
                      "phí tuân thủ một năm theo thời hạn luật định từ {3} còn {4}.",
                      "Under the reform the mean applicant cost of a dossier falls by {1} ({2}); "
                      "the applicant cost a year by the legal method goes from {3} to {4}."},
    [W_SENT_RISES] = {"Theo phương án, chi phí tuân thủ bình quân một hồ sơ tăng thêm {1} ({2}); "
                      "chi phí tuân thủ một năm theo thời hạn luật định từ {3} thành {4}.",
                      "Under the reform the mean applicant cost of a dossier rises by {1} ({2}); "
                      "the applicant cost a year by the legal method goes from {3} to {4}."},
    [W_SENT_SAME] = {"Phương án không làm thay đổi chi phí tuân thủ bình quân một hồ sơ.",
                     "The reform does not change the mean applicant cost of a dossier."},
    [W_SENT_ON_TIME_FALLS] = {"Tỷ lệ hồ sơ giải quyết đúng hạn giảm từ {1} xuống {2}.",
                              "The share of dossiers resolved on time falls from {1} to {2}."},
    [W_SENT_ON_TIME_RISES] = {"Tỷ lệ hồ sơ giải quyết đúng hạn tăng từ {1} lên {2}.",
                              "The share of dossiers resolved on time rises from {1} to {2}."},
    [W_DAYS] = {"{1} ngày làm việc", "{1} working days"},
    [W_CAV_SAMPLE] = {"Số liệu là kết quả của một lần mô phỏng ngẫu nhiên (hạt giống {1}) trên {2} "
                      "hồ sơ; chạy lại với --runs K để có khoảng tin cậy 95%.",
                      "The figures come from one random simulation (seed {1}) of {2} dossiers; "
                      "run again with --runs K for 95% intervals."},
    [W_CAV_RUNS] = {"Số liệu chính là của lần chạy đầu tiên (hạt giống {1}); khoảng tin cậy 95% "
                    "qua {2} lần chạy ở mục dưới.",
                    "The main figures are the first run's (seed {1}); the 95% intervals over {2} "
                    "runs are below."},
    [W_CAV_FEW] = {"{1} trong {2} thủ tục được mô phỏng với ít hơn 30 hồ sơ (đánh dấu ⚠): số liệu "
                   "riêng của các thủ tục này chỉ là ước lượng thô.",
                   "{1} of {2} procedures were simulated on fewer than 30 dossiers (marked ⚠): "
                   "their own figures are rough estimates."},
    [W_CAV_FEW_COMPARE] = {"{1} trong {2} thủ tục được mô phỏng với ít hơn 30 hồ sơ: số liệu riêng "
                           "của các thủ tục này chỉ là ước lượng thô.",
                           "{1} of {2} procedures were simulated on fewer than 30 dossiers: their "
                           "own figures are rough estimates."},
    [W_CAV_NONE] = {"{1} thủ tục không có hồ sơ mô phỏng nào nên không được tính trong số liệu một "
                    "năm; mô phỏng với --year để tính đủ.",
                    "{1} procedures had no simulated dossier, so the year leaves them out; "
                    "simulate with --year to count them all."},
    [W_CAV_RISES] = {"{1} trong {2} hồ sơ mô phỏng tăng chi phí theo phương án.",
                     "{1} of {2} simulated dossiers cost more under the reform."},
    [W_CAV_RISES_NONE] = {"Không hồ sơ mô phỏng nào tăng chi phí theo phương án.",
                          "No simulated dossier costs more under the reform."},
    [W_CAV_UNFINISHED] = {"{1} hồ sơ chưa kết thúc (bị bỏ dở); thời gian giải quyết và tỷ lệ đúng "
                          "hạn chỉ tính các hồ sơ đã kết thúc.",
                          "{1} dossiers never finished (abandoned); lead times and the on-time "
                          "rate count the finished ones only."},
    [W_CAV_GAP] = {"Chi phí một năm theo thời hạn luật định chênh {1} so với lệnh motcua cost "
                   "(tính chính xác, không lấy mẫu): sai số của việc lấy mẫu.",
                   "The applicant cost a year by the legal method is {1} off motcua cost's "
                   "exact figure (not sampled): the sampling error."},
    [W_CAV_NOTES] =
        {"Mô hình ghi {1} giả định và cảnh báo (trường nhận giá trị trung tính, quy tắc "
         "lệ phí…); danh sách đầy đủ: đầu ra văn bản của motcua simulate hoặc "
         "--format json.",
         "The model notes {1} assumptions and warnings (fields given neutral values, "
         "fee rules…); all of them: motcua simulate's text output or --format json."},
    [W_CAV_SENSITIVITY] = {"Giả định đã thay đổi cho lần chạy này: {1}.",
                           "Assumption changed for this run: {1}."},
    [W_CHANGES_H] = {"Các thay đổi của phương án {1}", "The changes of the reform {1}"},
    [W_CHANGES_BASIS] = {"Căn cứ pháp lý: {1}.", "Legal basis: {1}."},
    [W_CHANGES_TEXT] = {"Mô phỏng tính cả phương án, không tính giá trị riêng của từng thay đổi "
                        "(xem motcua cost, tính chính xác từng thay đổi).",
                        "The simulation measures the whole reform, not each change alone (see "
                        "motcua cost, which values each change exactly)."},
    [W_CHANGES_MORE] = {"Bảng liệt kê {1} trong {2} thay đổi; danh sách đầy đủ: motcua cost "
                        "--reform (trang Thay đổi của bảng tính --xlsx).",
                        "The table lists {1} of the {2} changes; all of them: motcua cost --reform "
                        "(the Changes sheet of its --xlsx workbook)."},
    [W_C_NO] = {"STT", "No."},
    [W_C_TARGET] = {"Thủ tục / cơ sở dữ liệu", "Procedure / registry"},
    [W_C_CHANGE] = {"Thay đổi", "Change"},
    [W_C_BASIS] = {"Căn cứ pháp lý riêng", "Own legal basis"},
    [W_DOSSIERS_H] = {"Hồ sơ mô phỏng", "The simulated dossiers"},
    [W_R_DOSSIERS] = {"Số hồ sơ mô phỏng", "Simulated dossiers"},
    [W_R_UNFINISHED] = {"Hồ sơ chưa kết thúc", "Not finished"},
    [W_R_ASKED] = {"Giấy tờ người nộp phải nộp, mỗi hồ sơ", "Documents asked per dossier"},
    [W_R_FETCHED] = {"Giấy tờ khai thác từ cơ sở dữ liệu, mỗi hồ sơ",
                     "Documents fetched from registries per dossier"},
    [W_R_VISITS] = {"Số lần đi lại, mỗi hồ sơ", "Visits per dossier"},
    [W_R_HOURS] = {"Số giờ người nộp bỏ ra, mỗi hồ sơ", "Applicant hours per dossier"},
    [W_R_COST] = {"Chi phí tuân thủ, mỗi hồ sơ", "Applicant cost per dossier"},
    [W_R_LEAD_MEAN] = {"Thời gian giải quyết bình quân (ngày làm việc)",
                       "Lead time, mean (working days)"},
    [W_R_LEAD_P50] = {"Thời gian giải quyết, trung vị (ngày làm việc)",
                      "Lead time, median (working days)"},
    [W_R_LEAD_P90] = {"Thời gian giải quyết, 90% hồ sơ không quá (ngày làm việc)",
                      "Lead time, 90th percentile (working days)"},
    [W_R_ON_TIME] = {"Tỷ lệ giải quyết đúng hạn", "Resolved on time"},
    [W_YEAR_H] = {"Một năm", "A year"},
    [W_YEAR_TEXT] = {"Mỗi thủ tục: số liệu bình quân một hồ sơ mô phỏng × số hồ sơ một năm của thủ "
                     "tục trong danh mục. Theo thời gian giải quyết mô phỏng, thời gian chờ là "
                     "thời gian giải quyết thực tế của hồ sơ; theo thời hạn luật định, là thời "
                     "hạn giải quyết, như lệnh motcua cost.",
                     "Each procedure: its figures per simulated dossier × its dossiers a year in "
                     "the catalogue. By the simulated lead times, waiting is each dossier's own "
                     "lead time; by the legal method, the statutory time limit, as motcua cost "
                     "counts it."},
    [W_Y_VOLUME] = {"Số hồ sơ một năm", "Dossiers a year"},
    [W_Y_ANNUAL] = {"Chi phí tuân thủ, theo thời gian giải quyết mô phỏng",
                    "Applicant cost, by the simulated lead times"},
    [W_Y_LEGAL] = {"Chi phí tuân thủ, theo thời hạn luật định", "Applicant cost, legal method"},
    [W_Y_COST] = {"Lệnh motcua cost (chính xác, không lấy mẫu)", "motcua cost (exact, not "
                                                                 "sampled)"},
    [W_Y_GAP] = {"Chênh lệch: thời hạn luật định so với lệnh cost",
                 "Gap: legal method against motcua cost"},
    [W_Y_REVENUE] = {"Thu phí, lệ phí của Nhà nước", "Fee revenue of the state"},
    [W_Y_STAFF] = {"Ngày công cán bộ", "Officer staff-days"},
    [W_POOLS_H] = {"Cán bộ và hàng đợi", "Officers and queues"},
    [W_POOLS_TEXT] = {"Mỗi hồ sơ chờ đến lượt một cán bộ rảnh của vai trò xử lý bước tiếp theo, "
                      "trong giờ hành chính; thời gian chờ tính bằng ngày làm việc.",
                      "Each dossier waits for a free officer of the role that acts next, in "
                      "office hours; waits are in working days."},
    [W_PO_SIDE] = {"", ""},
    [W_PO_AGENCY] = {"Cơ quan", "Agency"},
    [W_PO_ROLE] = {"Vai trò", "Role"},
    [W_PO_OFFICERS] = {"Số cán bộ", "Officers"},
    [W_PO_JOBS] = {"Hồ sơ xử lý", "Dossiers handled"},
    [W_PO_BUSY] = {"Mức sử dụng", "Utilisation"},
    [W_PO_QUEUE] = {"Hàng đợi TB / tối đa", "Queue mean / max"},
    [W_PO_WAIT] = {"Thời gian chờ TB / p90 (ngày làm việc)", "Wait mean / p90 (working days)"},
    [W_GAINS_H] = {"Ai được lợi, ai chịu thiệt", "Who gains, who loses"},
    [W_GAINS_TEXT] = {"Cùng những người nộp hồ sơ mô phỏng trong hiện trạng và khi cải cách; tiết "
                      "kiệm âm là chi phí tăng (chịu thiệt).",
                      "The same synthetic applicants today and under the reform; a negative "
                      "saving is a cost that rises (a loss)."},
    [W_G_GROUP] = {"Nhóm", "Group"},
    [W_G_DOSSIERS] = {"Số hồ sơ", "Dossiers"},
    [W_G_CHANGE] = {"Tiết kiệm bình quân một hồ sơ", "Mean saving per dossier"},
    [W_G_RISES] = {"Số hồ sơ tăng chi phí", "Dossiers whose cost rises"},
    [W_G_FALLS] = {"Số hồ sơ giảm chi phí", "Dossiers whose cost falls"},
    [W_G_CHART] = {"Tiết kiệm bình quân một hồ sơ theo nhóm (thanh bên trái: chi phí tăng)",
                   "Mean saving per dossier by group (bars to the left: the cost rises)"},
    [W_G_ALL] = {"Tất cả", "All"},
    [W_G_CITIZEN] = {"Công dân", "Citizens"},
    [W_G_BUSINESS] = {"Doanh nghiệp", "Businesses"},
    [W_G_ONLINE] = {"Nộp trực tuyến", "Filed online"},
    [W_G_COUNTER] = {"Nộp tại bộ phận một cửa", "Filed at the counter"},
    [W_G_FOUND] = {"Có dữ liệu trong cơ sở dữ liệu", "Found in the registries"},
    [W_G_MISSED] = {"Cơ sở dữ liệu thiếu dữ liệu", "Missed by a registry"},
    [W_GAIN] = {"tiết kiệm", "saving"},
    [W_LOSS] = {"tăng chi phí", "cost rises"},
    [W_SAVING_PER_DOSSIER] = {"Tiết kiệm một hồ sơ", "Saving per dossier"},
    [W_RUNS_H] = {"Khoảng tin cậy 95% qua {1} lần chạy", "95% intervals over {1} runs"},
    [W_RUNS_TEXT] = {"Hạt giống {1} đến {2}; trung bình [khoảng tin cậy 95%, phân phối Student với "
                     "{3} bậc tự do].",
                     "Seeds {1} to {2}; mean [95% interval, Student's t with {3} degrees of "
                     "freedom]."},
    [W_F_COST] = {"Chi phí tuân thủ một hồ sơ", "Applicant cost per dossier"},
    [W_F_LEGAL] = {"Chi phí tuân thủ một năm, thời hạn luật định",
                   "Applicant cost a year, legal method"},
    [W_F_ANNUAL] = {"Chi phí tuân thủ một năm, thời gian mô phỏng",
                    "Applicant cost a year, simulated lead times"},
    [W_F_REVENUE] = {"Thu phí, lệ phí một năm", "Fee revenue a year"},
    [W_F_ON_TIME] = {"Tỷ lệ giải quyết đúng hạn", "Resolved on time"},
    [W_F_LEAD] = {"Thời gian giải quyết bình quân (ngày làm việc)", "Mean lead time (working "
                                                                    "days)"},
    [W_F_ASKED] = {"Giấy tờ phải nộp mỗi hồ sơ", "Documents asked per dossier"},
    [W_F_VISITS] = {"Số lần đi lại mỗi hồ sơ", "Visits per dossier"},
    [W_F_STAFF] = {"Ngày công cán bộ một năm", "Officer staff-days a year"},
    [W_BY_AGENCY] = {"Tổng hợp theo cơ quan", "By agency"},
    [W_BY_SECTOR] = {"Tổng hợp theo lĩnh vực", "By sector"},
    [W_BY_PROCEDURE] = {"Tổng hợp theo thủ tục", "By procedure"},
    [W_BY_EMPTY] = {"Không liệt kê {1} nhóm không có hồ sơ mô phỏng nào.",
                    "Not listed: {1} groups with no simulated dossier."},
    [W_B_DOSSIERS] = {"Hồ sơ mô phỏng", "Simulated dossiers"},
    [W_B_COST_TODAY] = {"Chi phí một hồ sơ, hiện nay", "Cost per dossier, today"},
    [W_B_ANNUAL_TODAY] = {"Chi phí một năm, hiện nay", "Cost a year, today"},
    [W_B_COST_AFTER] = {"Chi phí một hồ sơ, sau cải cách", "Cost per dossier, after"},
    [W_B_ANNUAL_AFTER] = {"Chi phí một năm, sau cải cách", "Cost a year, after"},
    [W_COMPARE_H] = {"So sánh các phương án", "The reforms side by side"},
    [W_COMPARE_TEXT] = {"Mỗi phương án áp dụng riêng trên hiện trạng, với cùng những người nộp hồ "
                        "sơ mô phỏng; trong ngoặc: thay đổi so với hiện nay.",
                        "Each reform applied alone to today's procedures, on the same synthetic "
                        "applicants; in brackets: the change from today."},
    [W_COMPARE_CHART] = {"Tiết kiệm một năm theo thời hạn luật định, theo phương án (thanh bên "
                         "trái: chi phí tăng)",
                         "Saving a year by the legal method, by reform (bars to the left: the "
                         "cost rises)"},
    [W_CHART_SAVING_H] = {"Tiết kiệm theo thủ tục", "Saving by procedure"},
    [W_CHART_SAVING] = {"Tiết kiệm một năm theo thời hạn luật định, theo thủ tục (thanh bên trái: "
                        "chi phí tăng)",
                        "Saving a year by the legal method, by procedure (bars to the left: the "
                        "cost rises)"},
    [W_CHART_SAVING_SOME] = {"Tiết kiệm một năm theo thời hạn luật định: {1} trong {2} thủ tục "
                             "thay đổi nhiều nhất (thanh bên trái: chi phí tăng)",
                             "Saving a year by the legal method: {1} of the {2} procedures that "
                             "change most (bars to the left: the cost rises)"},
    [W_SAVING_YEAR] = {"Tiết kiệm một năm", "Saving a year"},
    [W_CHART_COST_H] = {"Chi phí tuân thủ một hồ sơ", "Applicant cost per dossier"},
    [W_CHART_COST] = {"Chi phí tuân thủ một hồ sơ mô phỏng, theo thủ tục",
                      "Applicant cost per simulated dossier, by procedure"},
    [W_CHART_COST_SOME] = {"Chi phí tuân thủ một hồ sơ mô phỏng: {1} trong {2} thủ tục có nhiều hồ "
                           "sơ nhất",
                           "Applicant cost per simulated dossier: {1} of the {2} procedures with "
                           "the most dossiers"},
    [W_ABOLISHED] = {"bãi bỏ", "abolished"},
    [W_LEAD_H] = {"Thời gian giải quyết", "Lead time"},
    [W_LEAD_CHART] = {"Tỷ lệ hồ sơ đã kết thúc (%) theo số ngày làm việc từ khi nộp đến khi có kết "
                      "quả",
                      "Share of finished dossiers (%) by working days from submission to the "
                      "final state"},
    [W_SHARES_H] = {"Đúng hạn và giấy tờ", "On time and documents"},
    [W_SHARES_ON_TIME] = {"Hồ sơ đã kết thúc: giải quyết đúng hạn và trễ hạn",
                          "Finished dossiers: on time and late"},
    [W_SHARES_DOCS] = {"Giấy tờ: khai thác từ cơ sở dữ liệu và người nộp phải nộp",
                       "Documents: fetched from registries and asked of the applicant"},
    [W_ON_TIME] = {"đúng hạn", "on time"},
    [W_LATE] = {"trễ hạn", "late"},
    [W_FETCHED] = {"khai thác từ cơ sở dữ liệu", "fetched from a registry"},
    [W_ASKED] = {"người nộp phải nộp", "asked of the applicant"},
    [W_PROCS_H] = {"Các thủ tục thay đổi nhiều nhất", "The procedures that change most"},
    [W_PROCS_H_MOST] = {"Các thủ tục có nhiều hồ sơ nhất", "The procedures with the most dossiers"},
    [W_P_PROCEDURE] = {"Thủ tục", "Procedure"},
    [W_P_DOSSIERS] = {"Hồ sơ mô phỏng", "Simulated dossiers"},
    [W_P_COST_TODAY] = {"Chi phí một hồ sơ, hiện nay", "Cost per dossier, today"},
    [W_P_COST_AFTER] = {"Chi phí một hồ sơ, sau cải cách", "Cost per dossier, after"},
    [W_P_COST] = {"Chi phí một hồ sơ", "Cost per dossier"},
    [W_P_ON_TIME] = {"Đúng hạn", "On time"},
    [W_P_P50] = {"Trung vị (ngày làm việc)", "Median (working days)"},
    [W_P_SAVING] = {"Tiết kiệm một năm (thời hạn luật định)", "Saving a year (legal method)"},
    [W_P_ANNUAL] = {"Chi phí một năm (thời hạn luật định)", "Cost a year (legal method)"},
    [W_P_FEW] = {"⚠ Mô phỏng với ít hơn 30 hồ sơ: số liệu của thủ tục chỉ là ước lượng thô ({1} "
                 "trong {2} thủ tục); mô phỏng nhiều hồ sơ hơn (--dossiers N, --year) để có số "
                 "liệu tin cậy.",
                 "⚠ Simulated on fewer than 30 dossiers: the procedure's figures are rough "
                 "estimates ({1} of {2} procedures); simulate more dossiers (--dossiers N, "
                 "--year) for figures to rely on."},
    [W_P_REST] = {"Bảng liệt kê {1} trong {2} thủ tục thay đổi chi phí; {3} thủ tục không thay "
                  "đổi. Danh sách đầy đủ: motcua simulate --format csv.",
                  "The table lists {1} of the {2} procedures whose cost changes; unchanged: {3}. "
                  "All of them: motcua simulate --format csv."},
    [W_P_REST_MOST] = {"Bảng liệt kê {1} trong {2} thủ tục được mô phỏng. Danh sách đầy đủ: motcua "
                       "simulate --format csv.",
                       "The table lists {1} of the {2} simulated procedures. All of them: motcua "
                       "simulate --format csv."},
    [W_IND_H] = {"Chỉ số theo Quyết định 766/QĐ-TTg của hồ sơ mô phỏng",
                 "Indicators of Decision 766/QĐ-TTg over the simulated dossiers"},
    [W_I_RECEIVED] = {"Tiếp nhận", "Received"},
    [W_I_RESOLVED] = {"Đã giải quyết", "Resolved"},
    [W_I_ON_TIME] = {"Đúng hạn", "On time"},
    [W_I_LATE] = {"Trễ hạn", "Late"},
    [W_I_ONLINE] = {"Trực tuyến", "Online"},
    [W_I_RESULTS] = {"Kết quả số hóa", "Results into registries"},
    [W_I_FETCHED] = {"Giấy tờ khai thác", "Documents fetched"},
    [W_I_ASKED] = {"Giấy tờ phải nộp", "Documents asked"},
    [W_I_MEAN] = {"Bình quân (ngày làm việc)", "Mean (working days)"},
    [W_METHOD_H] = {"Phương pháp", "Method"},
    [W_METHOD_TEXT] = {"Hồ sơ mô phỏng đi qua chính các quyết định của hệ thống (quy tắc, khai "
                       "thác dữ liệu một lần, đồng hồ thời hạn, hẹn giờ) mà không lưu trữ; mỗi "
                       "bước kéo dài theo thời gian khai báo (takes) và bước tiếp theo được rút "
                       "theo xác suất (chance). Thời gian giải quyết là giờ hành chính từ lúc nộp "
                       "đến lúc kết thúc chia cho giờ hành chính của một ngày làm việc; trung vị "
                       "và p90 là trung bình của khoảng một phần tư ngày chứa chúng. Chi phí tuân "
                       "thủ theo Thông tư 02/2017/TT-VPCP: số giờ × thu nhập bình quân một giờ + "
                       "phí, lệ phí + chi phí giấy tờ và đi lại. Xem docs/reform.md.",
                       "Synthetic applicants go through the engine's own decisions (rules, "
                       "once-only resolution, statutory clock, timers) without a store; each step "
                       "lasts its declared time (takes) and the next is drawn by its chance. A "
                       "lead time is the office time from submission to the final state over a "
                       "working day's office time; the median and p90 are the mean of the "
                       "quarter-day bin they fall in. Applicant cost by Circular "
                       "02/2017/TT-VPCP: hours × hourly income + fees + the cost of documents "
                       "and visits. See docs/reform.md."},
};

static const char *w(const sim_out *o, word k)
{
    return brief_text(o->lang, &words[k]);
}

/* The sentence k with its arguments, a NULL after the last; mc_free it (NULL: out of memory). */
static char *say(const sim_out *o, word k, ...)
{
    va_list ap;
    va_start(ap, k);
    char *out = brief_vsay(o->lang, &words[k], ap);
    va_end(ap);
    return out;
}

/* html_para of sentence k; out of memory marks the page failed. */
static void para(html *h, const sim_out *o, word k, ...)
{
    va_list ap;
    va_start(ap, k);
    char *line = brief_vsay(o->lang, &words[k], ap);
    va_end(ap);
    if (line == NULL) {
        html_set_error(h, ENOMEM);
        return;
    }
    html_para(h, "%s", line);
    mc_free(line);
}

/* ---- figures for people ------------------------------------------------------------------- */

static const char *currency_of(const sim_out *o)
{
    return o->model ? o->model->hourly_income.currency : NULL;
}

/* An amount (a mean or a sum of the simulator) rounded to the unit: "262.400 đồng", "1,2 tỷ
 * đồng". */
static const char *money(const sim_out *o, double v, char out[64])
{
    brief_amount(o->lang, currency_of(o), brief_round(v), out);
    return out;
}

/* An amount per dossier to the unit: "1.675.823 đồng". */
static const char *per_dossier(const sim_out *o, double v, char out[64])
{
    brief_amount_exact(o->lang, currency_of(o), brief_round(v), out);
    return out;
}

/* A figure with two decimals ("1,25"); "—" for none, ">60" past the histogram. */
static const char *num(const sim_out *o, double v, char out[64])
{
    if (v == MC_SIM_NONE) {
        snprintf(out, 64, "—");
    } else if (v == MC_SIM_PAST) {
        snprintf(out, 64, ">60");
    } else {
        brief_decimal(o->lang, brief_round(v * 100), 100, 2, out);
    }
    return out;
}

/* A percentage given in percent ("90,78%"); "—" for none. */
static const char *pct(const sim_out *o, double v, char out[64])
{
    if (v == MC_SIM_NONE) {
        snprintf(out, 64, "—");
    } else {
        brief_percent(o->lang, brief_round(v * 100), out);
    }
    return out;
}

static const char *count(const sim_out *o, int64_t n, char out[64])
{
    brief_count(o->lang, n, out);
    return out;
}

/* The change from base to reform in percent, signed ("+1,25%", "-12,50%"); "" when there is
 * none to say (base 0, or either is none). */
static const char *change(const sim_out *o, double base, double reform, char out[64])
{
    double p;
    if (base < 0 || reform < 0 || !mc_sim_change(base, reform, &p)) {
        out[0] = '\0';
        return out;
    }
    char n[48];
    int64_t bp = brief_round(p * 100);
    brief_percent(o->lang, bp, n);
    snprintf(out, 64, "%s%s", bp > 0 ? "+" : "", n);
    return out;
}

/* Working days: "1,25 ngày làm việc"; "—" for none; out of memory marks h failed. */
static const char *days(html *h, const sim_out *o, double v, char out[64])
{
    char n[64];
    if (v == MC_SIM_NONE) {
        snprintf(out, 64, "—");
        return out;
    }
    char *s = say(o, W_DAYS, num(o, v, n), (const char *)NULL);
    if (s == NULL) {
        html_set_error(h, ENOMEM);
    }
    snprintf(out, 64, "%s", s ? s : n);
    mc_free(s);
    return out;
}

/* The version of procedure name the run dates by (in force on the first day, or its first);
 * NULL without a catalogue. */
static const mc_procedure *proc_of(const sim_out *o, const char *name)
{
    if (o->cat == NULL) {
        return NULL;
    }
    const mc_procedure *p = mc_catalogue_procedure(o->cat, name, o->from);
    if (p == NULL) {
        size_t n;
        const mc_procedure *const *all = mc_catalogue_versions(o->cat, name, &n);
        p = n ? all[0] : NULL;
    }
    return p;
}

/* The language tag of the page's titles: "vi", or NULL (the default) in English. */
static const char *lang_tag(const sim_out *o)
{
    return o->lang == MC_LANG_EN ? NULL : "vi";
}

/* A procedure's title in the page's language (Vietnamese first), else its name. */
static const char *title_of(const sim_out *o, const char *name)
{
    const mc_procedure *p = proc_of(o, name);
    return p ? mc_title(p->titles, p->ntitles, o->lang == MC_LANG_EN ? NULL : "vi", name) : name;
}

/* The statistics of procedure name in r, abolished or not; NULL when r has none. */
static const mc_sim_stats *stats_of(const mc_sim_result *r, const char *name)
{
    for (size_t i = 0; r != NULL && i < r->nprocedures; i++) {
        if (strcmp(r->procedures[i].name, name) == 0) {
            return &r->procedures[i];
        }
    }
    return NULL;
}

/* Procedure i of the baseline abolished by the reform (or not simulated under it). */
static bool abolished(const sim_out *o, const mc_sim_stats *b)
{
    const mc_sim_stats *r = stats_of(o->ref, b->name);
    return r == NULL || (r->abolished > 0 && r->abolished == r->dossiers);
}

/* A procedure's saving a year by the legal method (the baseline's minus the reform's). */
static int64_t saving_of(const sim_out *o, const mc_sim_stats *b)
{
    const mc_sim_stats *r = stats_of(o->ref, b->name);
    return b->legal_annual - (r ? r->legal_annual : 0);
}

/* ---- the headline figures (also --runs' and --compare's rows) ---------------------------- */

enum { F_COST, F_LEGAL, F_ANNUAL, F_REVENUE, F_ON_TIME, F_LEAD, F_ASKED, F_VISITS, F_STAFF, NF };

static const word fig_words[NF] = {W_F_COST, W_F_LEGAL, W_F_ANNUAL, W_F_REVENUE, W_F_ON_TIME,
                                   W_F_LEAD, W_F_ASKED, W_F_VISITS, W_F_STAFF};

static double fig_of(const mc_sim_figures *f, int i)
{
    switch (i) {
    case F_COST:
        return f->cost;
    case F_LEGAL:
        return f->legal_annual;
    case F_ANNUAL:
        return f->annual;
    case F_REVENUE:
        return f->revenue;
    case F_ON_TIME:
        return f->on_time;
    case F_LEAD:
        return f->lead_mean;
    case F_ASKED:
        return f->asked;
    case F_VISITS:
        return f->visits;
    default:
        return f->staff_days;
    }
}

static const char *fig_text(const sim_out *o, int i, double v, char out[64])
{
    switch (i) {
    case F_COST:
        return per_dossier(o, v, out);
    case F_LEGAL:
    case F_ANNUAL:
    case F_REVENUE:
        return money(o, v, out);
    case F_ON_TIME:
        return pct(o, v, out);
    case F_STAFF:
        return count(o, brief_round(v), out);
    default:
        return num(o, v, out);
    }
}

/* ---- the sections ------------------------------------------------------------------------- */

/* "a + b": the names of the reforms applied together. */
static void reform_names(const mc_reform *const *r, size_t n, char *out, size_t outsz)
{
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(out);
        snprintf(out + used, outsz - used, "%s%s", i ? " + " : "", mc_reform_name(r[i]));
    }
}

/* A reform's name and title under the page's title. */
static void reform_meta(html *h, const sim_out *o, const mc_reform *r)
{
    const char *t = mc_reform_title_in(r, lang_tag(o));
    if (t != NULL) {
        brief_meta(h, o->lang, &words[W_META_REFORM_TITLE], mc_reform_name(r), t,
                   (const char *)NULL);
    } else {
        brief_meta(h, o->lang, &words[W_META_REFORM], mc_reform_name(r), (const char *)NULL);
    }
}

static void page_meta(html *h, const sim_out *o)
{
    char n[64], seed[32], day[24], date[11];
    count(o, o->base->total.dossiers, n);
    snprintf(seed, sizeof seed, "%lld", (long long)o->seed);
    mc_date_format(o->from, date);
    mc_msg_time(o->lang, date, day, sizeof day);
    brief_meta(h, o->lang, &words[W_META_RUN], n, w(o, o->year ? W_YEAR : W_SPLIT), seed, day,
               (const char *)NULL);
    brief_meta(h, o->lang, &words[W_META_CATALOGUE], o->catalogue ? o->catalogue : ".",
               (const char *)NULL);
    for (size_t i = 0; i < o->nreforms; i++) {
        reform_meta(h, o, o->reforms[i]);
    }
    for (size_t i = 0; i < o->ncompare; i++) {
        reform_meta(h, o, o->compare[i]);
    }
    if (o->model != NULL) {
        char inc[64];
        brief_amount(o->lang, currency_of(o), o->model->hourly_income.amount, inc);
        brief_meta(h, o->lang, &words[W_META_MODEL], o->model->name, inc, (const char *)NULL);
    } else {
        html_meta(h, "%s", w(o, W_META_NO_MODEL));
    }
}

/* The headline: cost per dossier, a year by the legal method, on time and lead time; with a
 * reform, the figure after it, today's and the change in its label. */
static void headline(html *h, const sim_out *o)
{
    mc_sim_figures b = mc_sim_figures_of(&o->base->total), r = b;
    if (o->ref) {
        r = mc_sim_figures_of(&o->ref->total);
    }
    char v[2][4][64];
    const word names[4] = {W_H_COST, W_H_LEGAL, W_H_ON_TIME, W_H_LEAD};
    const mc_sim_figures *side[2] = {&b, &r};
    double change_of[4][2] = {{b.cost, r.cost},
                              {b.legal_annual, r.legal_annual},
                              {MC_SIM_NONE, MC_SIM_NONE}, /* points, not a change in percent */
                              {b.lead_mean, r.lead_mean}};
    for (int k = 0; k < 2; k++) {
        per_dossier(o, side[k]->cost, v[k][0]);
        money(o, side[k]->legal_annual, v[k][1]);
        pct(o, side[k]->on_time, v[k][2]);
        days(h, o, side[k]->lead_mean, v[k][3]);
    }
    html_heading(h, "%s", w(o, W_HEADLINE));
    html_figure f[4];
    char *labels[4] = {0};
    for (int i = 0; i < 4; i++) {
        f[i].value = v[o->ref ? 1 : 0][i];
        f[i].label = w(o, names[i]);
        if (o->ref != NULL) {
            char c[64], cc[72] = "";
            change(o, change_of[i][0], change_of[i][1], c);
            if (c[0] != '\0') {
                snprintf(cc, sizeof cc, "; %s", c);
            }
            labels[i] = say(o, W_H_WAS, w(o, names[i]), v[0][i], cc, (const char *)NULL);
            if (labels[i] == NULL) {
                html_set_error(h, ENOMEM);
            }
            f[i].label = labels[i] ? labels[i] : "";
        }
    }
    html_figures(h, f, 4);
    for (int i = 0; i < 4; i++) {
        mc_free(labels[i]);
    }
    if (o->ref == NULL) {
        return;
    }
    int64_t diff = brief_round(b.cost) - brief_round(r.cost);
    char by[64], p[64];
    per_dossier(o, diff < 0 ? (double)-diff : (double)diff, by);
    change(o, b.cost, r.cost, p);
    if (diff == 0) {
        para(h, o, W_SENT_SAME, (const char *)NULL);
    } else {
        para(h, o, diff > 0 ? W_SENT_FALLS : W_SENT_RISES, by, p, v[0][1], v[1][1],
             (const char *)NULL);
    }
    /* A change of the on-time rate as shown (to the hundredth of a point) is said too: a reform
     * that cuts time limits may make more dossiers late. */
    if (b.on_time >= 0 && r.on_time >= 0 && strcmp(v[0][2], v[1][2]) != 0) {
        para(h, o, r.on_time < b.on_time ? W_SENT_ON_TIME_FALLS : W_SENT_ON_TIME_RISES, v[0][2],
             v[1][2], (const char *)NULL);
    }
}

/* How many lines the notes of base and ref hold together (ref's lines base has are not counted
 * again). */
static size_t count_notes(const mc_sim_result *base, const mc_sim_result *ref)
{
    size_t n = 0;
    const char *notes[2] = {base->notes, ref ? ref->notes : ""};
    for (int k = 0; k < 2; k++) {
        for (const char *p = notes[k]; *p;) {
            const char *nl = strchr(p, '\n');
            size_t len = nl ? (size_t)(nl - p) : strlen(p);
            char line[400];
            snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1),
                     p);
            n += len > 0 && (k == 0 || strstr(base->notes, line) == NULL);
            p += len + (nl != NULL);
        }
    }
    return n;
}

static size_t count_few(const mc_sim_result *r)
{
    size_t few = 0;
    for (size_t i = 0; i < r->nprocedures; i++) {
        few += r->procedures[i].dossiers < SIM_PAGE_FEW;
    }
    return few;
}

/* The caveats box: a few lines with counts, not the model's notes line by line. */
static void caveats(html *h, const sim_out *o)
{
    const mc_sim_result *base = o->base, *ref = o->ncompare > 0 ? NULL : o->ref;
    char a[64], b[64];
    brief_caveats_begin(h, o->lang);
    if (o->nruns >= 2) {
        snprintf(a, sizeof a, "%llu", (unsigned long long)o->first_seed);
        brief_caveat(h, say(o, W_CAV_RUNS, a, count(o, (int64_t)o->nruns, b), (const char *)NULL));
    } else {
        snprintf(a, sizeof a, "%lld", (long long)o->seed);
        brief_caveat(
            h, say(o, W_CAV_SAMPLE, a, count(o, base->total.dossiers, b), (const char *)NULL));
    }
    size_t few = count_few(base), none = 0;
    for (size_t i = 0; i < base->nprocedures; i++) {
        none += base->procedures[i].dossiers == 0;
    }
    if (few > 0) {
        brief_caveat(h, say(o, o->ncompare > 0 ? W_CAV_FEW_COMPARE : W_CAV_FEW,
                            count(o, (int64_t)few, a), count(o, (int64_t)base->nprocedures, b),
                            (const char *)NULL));
    }
    if (none > 0) {
        brief_caveat(h, say(o, W_CAV_NONE, count(o, (int64_t)none, a), (const char *)NULL));
    }
    if (ref != NULL && ref->paired) {
        const mc_sim_gain *all = &ref->gains[MC_SIM_ALL];
        if (all->rises > 0) {
            brief_caveat(h, say(o, W_CAV_RISES, count(o, all->rises, a), count(o, all->dossiers, b),
                                (const char *)NULL));
        } else {
            brief_caveat(h, say(o, W_CAV_RISES_NONE, (const char *)NULL));
        }
    }
    int64_t unfinished = base->total.unfinished + (ref ? ref->total.unfinished : 0);
    if (unfinished > 0) {
        brief_caveat(h, say(o, W_CAV_UNFINISHED, count(o, unfinished, a), (const char *)NULL));
    }
    if (o->has_cost && o->ncompare == 0) {
        mc_sim_figures f = mc_sim_figures_of(&base->total);
        change(o, (double)o->cost_base, f.legal_annual, a);
        if (a[0] != '\0') {
            brief_caveat(h, say(o, W_CAV_GAP, a, (const char *)NULL));
        }
    }
    size_t notes = count_notes(base, ref);
    if (notes > 0) {
        brief_caveat(h, say(o, W_CAV_NOTES, count(o, (int64_t)notes, a), (const char *)NULL));
    }
    /* The library's sentences in the page's language (mc_study_say), each a line; without
     * them, its English lines. */
    for (size_t i = 0; i < o->nsensitivity; i++) {
        char said[2048];
        if (o->sensitivity_said != NULL) {
            mc_study_say(&o->sensitivity_said[i], o->lang, said, sizeof said);
        }
        brief_caveat(h, say(o, W_CAV_SENSITIVITY,
                            o->sensitivity_said ? said : o->sensitivity[i], (const char *)NULL));
    }
    brief_caveats_end(h);
}

enum { PAGE_ROWS = 30 }; /* procedures, and a reform's changes, listed on the page, at most */

/* A reform's changes as written, with their legal basis (the reform's own once above them). */
static void changes(html *h, const sim_out *o, const mc_reform *r)
{
    mc_reform_change *c = NULL;
    size_t n = 0;
    mc_error err;
    if (mc_reform_changes(r, &c, &n, &err) != 0) {
        html_set_error(h, ENOMEM);
        return;
    }
    char *title = say(o, W_CHANGES_H, mc_reform_name(r), (const char *)NULL);
    if (title == NULL) {
        html_set_error(h, ENOMEM);
        mc_free(c);
        return;
    }
    html_heading(h, "%s", title);
    mc_free(title);
    mc_strings basis = mc_reform_legal_basis(r);
    char joined[1000] = "";
    for (size_t i = 0; i < basis.n; i++) {
        size_t used = strlen(joined);
        snprintf(joined + used, sizeof joined - used, "%s%s", i ? "; " : "", basis.items[i]);
    }
    if (basis.n > 0) {
        para(h, o, W_CHANGES_BASIS, joined, (const char *)NULL);
    }
    const char *head[] = {w(o, W_C_NO), w(o, W_C_TARGET), w(o, W_C_CHANGE), w(o, W_C_BASIS)};
    html_table_begin(h, NULL, head, 4, "rlll");
    for (size_t i = 0; i < n && i < PAGE_ROWS; i++) {
        char no[64];
        /* what it changes by its title, its name small under it; the change in words */
        char *target = brief_change_target(o->lang, o->cat, &c[i]);
        char *said = brief_change(o->lang, o->cat, &c[i]);
        if (target == NULL || said == NULL) {
            mc_free(target);
            mc_free(said);
            html_set_error(h, ENOMEM);
            break;
        }
        /* the reform's own basis is said above: a row names only its own */
        const char *lb =
            c[i].legal_basis && strcmp(c[i].legal_basis, joined) != 0 ? c[i].legal_basis : "—";
        const char *cells[] = {count(o, (int64_t)i + 1, no), target, said, lb};
        html_table_row(h, cells);
        mc_free(target);
        mc_free(said);
    }
    html_table_end(h);
    if (n > PAGE_ROWS) {
        char a[64], b[64];
        para(h, o, W_CHANGES_MORE, count(o, PAGE_ROWS, a), count(o, (int64_t)n, b),
             (const char *)NULL);
    }
    html_para(h, "%s", w(o, W_CHANGES_TEXT));
    mc_free(c);
}

/* The simulated dossiers: documents, visits, hours, cost, lead times, on time. */
static void dossiers(html *h, const sim_out *o)
{
    mc_sim_figures b = mc_sim_figures_of(&o->base->total), r = b;
    if (o->ref) {
        r = mc_sim_figures_of(&o->ref->total);
    }
    const char *head[] = {"", w(o, W_TODAY), w(o, W_AFTER), w(o, W_CHANGE)};
    html_heading(h, "%s", w(o, W_DOSSIERS_H));
    html_table_begin(h, NULL, head, o->ref ? 4 : 2, "lrrr");
    char x[64], y[64], z[64];
    const char *first[] = {w(o, W_R_DOSSIERS), count(o, b.dossiers, x), count(o, r.dossiers, y),
                           ""};
    html_table_row(h, first);
    const char *second[] = {w(o, W_R_UNFINISHED), count(o, b.unfinished, x),
                            count(o, r.unfinished, y), ""};
    html_table_row(h, second);
    struct {
        word label;
        double b, r;
        char kind; /* m money, n number, p percent */
        bool with_change;
    } rows[] = {
        {W_R_ASKED, b.asked, r.asked, 'n', true},
        {W_R_FETCHED, b.fetched, r.fetched, 'n', false},
        {W_R_VISITS, b.visits, r.visits, 'n', true},
        {W_R_HOURS, b.hours, r.hours, 'n', true},
        {W_R_COST, b.cost, r.cost, 'm', true},
        {W_R_LEAD_MEAN, b.lead_mean, r.lead_mean, 'n', true},
        {W_R_LEAD_P50, b.p50, r.p50, 'n', false},
        {W_R_LEAD_P90, b.p90, r.p90, 'n', false},
        {W_R_ON_TIME, b.on_time, r.on_time, 'p', false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char k = rows[i].kind;
        const char *cells[] = {w(o, rows[i].label),
                               k == 'm'   ? per_dossier(o, rows[i].b, x)
                               : k == 'p' ? pct(o, rows[i].b, x)
                                          : num(o, rows[i].b, x),
                               k == 'm'   ? per_dossier(o, rows[i].r, y)
                               : k == 'p' ? pct(o, rows[i].r, y)
                                          : num(o, rows[i].r, y),
                               rows[i].with_change ? change(o, rows[i].b, rows[i].r, z) : ""};
        html_table_row(h, cells);
    }
    html_table_end(h);
}

/* The year: volume, applicant cost by both methods, motcua cost and the gap, fee revenue and
 * officer staff-days by role. */
static void year(html *h, const sim_out *o)
{
    const mc_sim_result *base = o->base, *ref = o->ref;
    mc_sim_figures b = mc_sim_figures_of(&base->total), r = b;
    if (ref) {
        r = mc_sim_figures_of(&ref->total);
    }
    const char *head[] = {"", w(o, W_TODAY), w(o, W_AFTER), w(o, W_CHANGE)};
    html_heading(h, "%s", w(o, W_YEAR_H));
    html_para(h, "%s", w(o, W_YEAR_TEXT));
    html_table_begin(h, NULL, head, ref ? 4 : 2, "lrrr");
    char x[64], y[64], z[64];
    const char *vol[] = {w(o, W_Y_VOLUME), count(o, b.volume, x), count(o, r.volume, y),
                         change(o, (double)b.volume, (double)r.volume, z)};
    html_table_row(h, vol);
    struct {
        word label;
        double b, r;
    } rows[] = {
        {W_Y_ANNUAL, b.annual, r.annual},
        {W_Y_LEGAL, b.legal_annual, r.legal_annual},
        {W_Y_COST, (double)o->cost_base, (double)o->cost_reform},
        {W_Y_REVENUE, b.revenue, r.revenue},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (rows[i].label == W_Y_COST && !o->has_cost) {
            continue;
        }
        const char *cells[] = {w(o, rows[i].label), money(o, rows[i].b, x), money(o, rows[i].r, y),
                               change(o, rows[i].b, rows[i].r, z)};
        html_table_row(h, cells);
        if (rows[i].label == W_Y_COST) {
            const char *gap[] = {w(o, W_Y_GAP), change(o, (double)o->cost_base, b.legal_annual, x),
                                 change(o, (double)o->cost_reform, r.legal_annual, y), ""};
            html_table_row(h, gap);
        }
    }
    const char *staff[] = {w(o, W_Y_STAFF), count(o, brief_round(b.staff_days), x),
                           count(o, brief_round(r.staff_days), y),
                           change(o, b.staff_days, r.staff_days, z)};
    html_table_row(h, staff);
    for (size_t i = 0; i < base->nroles; i++) {
        double rs = 0;
        for (size_t k = 0; ref != NULL && k < ref->nroles; k++) {
            rs = strcmp(ref->roles[k]->name, base->roles[i]->name) == 0 ? ref->staff_days[k] : rs;
        }
        const mc_role *role = base->roles[i];
        char label[300];
        snprintf(
            label, sizeof label, "  %s",
            mc_title(role->titles, role->ntitles, o->lang == MC_LANG_EN ? NULL : "vi", role->name));
        const char *cells[] = {label, count(o, brief_round(base->staff_days[i]), x),
                               count(o, brief_round(rs), y), change(o, base->staff_days[i], rs, z)};
        html_table_row(h, cells);
    }
    html_table_end(h);
}

/* The officers and their queues (issue 23), when the catalogue staffs its agencies: each pool,
 * today's and after the reform. */
static void pools(html *h, const sim_out *o)
{
    const mc_sim_result *base = o->base, *ref = o->ref;
    if (base->npools == 0 && (ref == NULL || ref->npools == 0)) {
        return;
    }
    const char *vi = o->lang == MC_LANG_EN ? NULL : "vi";
    const char *head[] = {w(o, W_PO_SIDE), w(o, W_PO_AGENCY), w(o, W_PO_ROLE),  w(o, W_PO_OFFICERS),
                          w(o, W_PO_JOBS), w(o, W_PO_BUSY),   w(o, W_PO_QUEUE), w(o, W_PO_WAIT)};
    html_heading(h, "%s", w(o, W_POOLS_H));
    html_para(h, "%s", w(o, W_POOLS_TEXT));
    html_table_begin(h, NULL, head, 8, "lllrrrrr");
    for (int k = 0; k < (ref ? 2 : 1); k++) {
        const mc_sim_result *r = k ? ref : base;
        for (size_t i = 0; i < r->npools; i++) {
            const mc_sim_pool *x = &r->pools[i];
            const mc_agency *a = o->cat ? mc_catalogue_agency(o->cat, x->agency) : NULL;
            char n[64], j[64], b[64], q1[64], w1[64], q2[64], w2[64], queue[140], wait[140];
            snprintf(queue, sizeof queue, "%s / %s", num(o, x->mean_queue, q1),
                     count(o, x->max_queue, q2));
            snprintf(wait, sizeof wait, "%s / %s", num(o, x->mean_wait, w1),
                     num(o, x->p90_wait, w2));
            const char *cells[] = {
                ref ? w(o, k ? W_AFTER : W_TODAY) : "",
                a ? mc_title(a->titles, a->ntitles, vi, a->name) : x->agency,
                mc_title(x->role->titles, x->role->ntitles, vi, x->role->name),
                count(o, x->officers, n),
                count(o, x->jobs, j),
                pct(o, 100 * x->utilisation, b),
                queue,
                wait,
            };
            html_table_row(h, cells);
        }
    }
    html_table_end(h);
}

static const word group_words[MC_SIM_NGROUPS] = {W_G_ALL,     W_G_CITIZEN, W_G_BUSINESS, W_G_ONLINE,
                                                 W_G_COUNTER, W_G_FOUND,   W_G_MISSED};

/* A mean change per dossier of group x (reform − baseline, negative: a gain). */
static double mean_change(const mc_sim_gain *x)
{
    return x->dossiers ? (double)x->change / (double)x->dossiers : 0;
}

/* Who gains, who loses: the change per applicant by group, a table and a chart. */
static void gains(html *h, const sim_out *o)
{
    const mc_sim_result *ref = o->ref;
    if (ref == NULL || !ref->paired) {
        return;
    }
    const char *head[] = {w(o, W_G_GROUP), w(o, W_G_DOSSIERS), w(o, W_G_CHANGE), w(o, W_G_RISES),
                          w(o, W_G_FALLS)};
    html_heading(h, "%s", w(o, W_GAINS_H));
    html_para(h, "%s", w(o, W_GAINS_TEXT));
    html_table_begin(h, NULL, head, 5, "lrrrr");
    double values[MC_SIM_NGROUPS];
    char texts[MC_SIM_NGROUPS][64];
    const char *tp[MC_SIM_NGROUPS], *labels[MC_SIM_NGROUPS];
    size_t k = 0;
    for (int g = 0; g < MC_SIM_NGROUPS; g++) {
        const mc_sim_gain *x = &ref->gains[g];
        char a[64], b[64], c[64], d[64];
        per_dossier(o, -mean_change(x), b);
        const char *cells[] = {w(o, group_words[g]), count(o, x->dossiers, a), b,
                               count(o, x->rises, c), count(o, x->falls, d)};
        html_table_row(h, cells);
        if (x->dossiers > 0) {
            labels[k] = w(o, group_words[g]);
            values[k] = -mean_change(x);
            per_dossier(o, values[k], texts[k]);
            tp[k] = texts[k];
            k++;
        }
    }
    html_table_end(h);
    html_series series = {w(o, W_SAVING_PER_DOSSIER), values, tp};
    html_diverging_chart(h, w(o, W_G_CHART), labels, k, &series, w(o, W_GAIN), w(o, W_LOSS));
}

/* A figure's mean and, on a second line, its interval: "262.400 đồng\n[261.000 đồng – 263.800
 * đồng]". */
static void interval_text(const sim_out *o, int side, int i, char *out, size_t outsz)
{
    double *x = calloc(o->nruns, sizeof *x);
    if (x == NULL) {
        snprintf(out, outsz, "—");
        return;
    }
    for (size_t k = 0; k < o->nruns; k++) {
        x[k] = fig_of(&o->runs[side][k], i);
    }
    double mean, half;
    mc_sim_interval(x, o->nruns, &mean, &half);
    free(x);
    char a[64], b[64], c[64];
    snprintf(out, outsz, "%s\n[%s – %s]", fig_text(o, i, mean, a), fig_text(o, i, mean - half, b),
             fig_text(o, i, mean + half, c));
}

/* --runs: each headline figure as a mean and a 95% interval. */
static void runs(html *h, const sim_out *o)
{
    if (o->nruns < 2 || o->runs[0] == NULL) {
        return;
    }
    bool two = o->ref != NULL && o->runs[1] != NULL;
    char k[64], first[32], last[32], df[64];
    count(o, (int64_t)o->nruns, k);
    char *title = say(o, W_RUNS_H, k, (const char *)NULL);
    if (title == NULL) {
        html_set_error(h, ENOMEM);
        return;
    }
    html_heading(h, "%s", title);
    mc_free(title);
    snprintf(first, sizeof first, "%llu", (unsigned long long)o->first_seed);
    snprintf(last, sizeof last, "%llu", (unsigned long long)(o->first_seed + o->nruns - 1));
    para(h, o, W_RUNS_TEXT, first, last, count(o, (int64_t)o->nruns - 1, df), (const char *)NULL);
    const char *head[] = {"", w(o, W_TODAY), w(o, W_AFTER)};
    html_table_begin(h, NULL, head, two ? 3 : 2, "lrr");
    for (int i = 0; i < NF; i++) {
        char b[200], r[200] = "";
        interval_text(o, 0, i, b, sizeof b);
        if (two) {
            interval_text(o, 1, i, r, sizeof r);
        }
        const char *cells[] = {w(o, fig_words[i]), b, r};
        html_table_row(h, cells);
    }
    html_table_end(h);
}

/* A subtotal of --by: its key, the baseline's and the reform's sums. */
typedef struct by_group {
    const char *key;  /* what it is sorted by: the agency's name, the sector, the title */
    const char *name; /* the agency's or procedure's name, shown small under its title; or NULL */
    mc_sim_stats b, r;
} by_group;

static int cmp_group(const void *a, const void *b)
{
    return strcmp(((const by_group *)a)->key, ((const by_group *)b)->key);
}

/* --by: the subtotals by agency, sector or procedure. */
static void subtotals(html *h, const sim_out *o)
{
    if (o->by == MC_STUDY_BY_NONE) {
        return;
    }
    const mc_sim_result *base = o->base;
    size_t n = 0;
    by_group *g = calloc(base->nprocedures ? base->nprocedures : 1, sizeof *g);
    if (g == NULL) {
        html_set_error(h, ENOMEM);
        return;
    }
    for (size_t i = 0; i < base->nprocedures; i++) {
        const mc_procedure *p = proc_of(o, base->procedures[i].name);
        const char *k = o->by == MC_STUDY_BY_AGENCY   ? (p ? p->agency : NULL)
                        : o->by == MC_STUDY_BY_SECTOR ? (p ? p->sector : NULL)
                                                      : title_of(o, base->procedures[i].name);
        k = k ? k : "—";
        size_t j = 0;
        while (j < n && strcmp(g[j].key, k) != 0) {
            j++;
        }
        if (j == n) {
            g[j].name = o->by == MC_STUDY_BY_PROCEDURE ? base->procedures[i].name
                        : o->by == MC_STUDY_BY_SECTOR  ? NULL
                                                       : (p ? p->agency : NULL);
            g[n++].key = k;
            g[j].b.name = g[j].r.name = k;
        }
        mc_sim_stats_add(&g[j].b, &base->procedures[i]);
        const mc_sim_stats *rs = stats_of(o->ref, base->procedures[i].name);
        if (rs != NULL) {
            mc_sim_stats_add(&g[j].r, rs);
        }
    }
    qsort(g, n, sizeof *g, cmp_group);
    static const word heads[] = {W_BY_AGENCY, W_BY_AGENCY, W_BY_SECTOR, W_BY_PROCEDURE};
    const char *head[] = {"",
                          w(o, W_B_DOSSIERS),
                          w(o, W_B_COST_TODAY),
                          w(o, W_B_ANNUAL_TODAY),
                          w(o, W_B_COST_AFTER),
                          w(o, W_B_ANNUAL_AFTER),
                          w(o, W_CHANGE)};
    html_heading(h, "%s", w(o, heads[o->by]));
    html_table_begin(h, NULL, head, o->ref ? 7 : 4, "lrrrrrr");
    size_t empty = 0;
    for (size_t i = 0; i < n; i++) {
        mc_sim_figures b = mc_sim_figures_of(&g[i].b), r = mc_sim_figures_of(&g[i].r);
        if (b.dossiers == 0 && r.dossiers == 0) {
            empty++; /* said under the table */
            continue;
        }
        char c1[64], c2[64], c3[64], c4[64], c5[64], c6[64];
        /* an agency or a procedure by its title, its name small under it */
        const mc_agency *ag = g[i].name && o->by != MC_STUDY_BY_PROCEDURE && o->cat
                                  ? mc_catalogue_agency(o->cat, g[i].name)
                                  : NULL;
        char *key = ag ? brief_titled(o->lang, ag->titles, ag->ntitles, g[i].name)
                    : g[i].name && o->by == MC_STUDY_BY_PROCEDURE && strcmp(g[i].key, g[i].name) != 0
                        ? mc_format("%s\n%s", g[i].key, g[i].name)
                        : mc_format("%s", g[i].key);
        if (key == NULL) {
            html_set_error(h, ENOMEM);
            break;
        }
        const char *cells[] = {key,
                               count(o, b.dossiers, c1),
                               per_dossier(o, b.cost, c2),
                               money(o, b.legal_annual, c3),
                               per_dossier(o, r.cost, c4),
                               money(o, r.legal_annual, c5),
                               change(o, b.legal_annual, r.legal_annual, c6)};
        html_table_row(h, cells);
        mc_free(key);
    }
    html_table_end(h);
    if (empty > 0) {
        char k[64];
        para(h, o, W_BY_EMPTY, count(o, (int64_t)empty, k), (const char *)NULL);
    }
    free(g);
}

/* --compare: the baseline and each reform alone, one column each, and their savings drawn. */
static void compare(html *h, const sim_out *o)
{
    size_t cols = o->ncompare + 2;
    const char **head = calloc(cols, sizeof *head);
    const char **cells = calloc(cols, sizeof *cells);
    char(*text)[160] = calloc(cols, sizeof *text);
    char *align = calloc(cols + 1, 1);
    double *values = calloc(o->ncompare, sizeof *values);
    char(*vt)[64] = calloc(o->ncompare, sizeof *vt);
    const char **tp = calloc(o->ncompare, sizeof *tp);
    const char **labels = calloc(o->ncompare, sizeof *labels);
    if (head == NULL || cells == NULL || text == NULL || align == NULL || values == NULL ||
        vt == NULL || tp == NULL || labels == NULL) {
        html_set_error(h, ENOMEM);
        goto done;
    }
    head[0] = "";
    head[1] = w(o, W_TODAY);
    align[0] = 'l';
    memset(align + 1, 'r', cols - 1);
    for (size_t i = 0; i < o->ncompare; i++) {
        head[i + 2] = labels[i] = mc_reform_name(o->compare[i]);
    }
    html_heading(h, "%s", w(o, W_COMPARE_H));
    html_para(h, "%s", w(o, W_COMPARE_TEXT));
    html_table_begin(h, NULL, head, cols, align);
    mc_sim_figures b = mc_sim_figures_of(&o->base->total);
    for (int f = 0; f < NF; f++) {
        cells[0] = w(o, fig_words[f]);
        double bv = fig_of(&b, f);
        cells[1] = fig_text(o, f, bv, text[1]);
        for (size_t i = 0; i < o->ncompare; i++) {
            mc_sim_figures r = mc_sim_figures_of(&o->cmp[i].total);
            double rv = fig_of(&r, f);
            char y[64], z[64];
            fig_text(o, f, rv, y);
            /* an on-time rate's change is in points, not a percentage of it */
            change(o, f == F_ON_TIME ? 0 : bv, rv, z);
            snprintf(text[i + 2], sizeof text[i + 2], "%s%s%s%s", y, z[0] ? "\n(" : "", z,
                     z[0] ? ")" : "");
            cells[i + 2] = text[i + 2];
            if (f == F_LEGAL) {
                values[i] = bv - rv;
                tp[i] = money(o, values[i], vt[i]);
            }
        }
        html_table_row(h, cells);
    }
    html_table_end(h);
    html_series series = {w(o, W_SAVING_YEAR), values, tp};
    html_diverging_chart(h, w(o, W_COMPARE_CHART), labels, o->ncompare, &series, w(o, W_GAIN),
                         w(o, W_LOSS));
done:
    free(head);
    free(cells);
    free(text);
    free(align);
    free(values);
    free(vt);
    free(tp);
    free(labels);
}

/* With a reform, the saving a year by procedure, losses to the left; without, the cost per
 * dossier of the procedures with the most dossiers. */
static void procedure_chart(html *h, const sim_out *o)
{
    const mc_sim_result *base = o->base;
    size_t n = base->nprocedures;
    double *keys = calloc(n ? n : 1, sizeof *keys);
    size_t *idx = calloc(n ? n : 1, sizeof *idx);
    const char **labels = calloc(CLI_CHART_MAX, sizeof *labels);
    double *picked = calloc(CLI_CHART_MAX, sizeof *picked);
    char(*texts)[64] = calloc(CLI_CHART_MAX, sizeof *texts);
    const char **tp = calloc(CLI_CHART_MAX, sizeof *tp);
    char *title = NULL;
    if (keys == NULL || idx == NULL || labels == NULL || picked == NULL || texts == NULL ||
        tp == NULL) {
        html_set_error(h, ENOMEM);
        goto done;
    }
    char a[64], b[64];
    if (o->ref != NULL) {
        size_t changed = 0;
        for (size_t i = 0; i < n; i++) {
            keys[i] = (double)saving_of(o, &base->procedures[i]);
            changed += keys[i] != 0;
        }
        size_t k = html_diverging_pick(keys, n, CLI_CHART_MAX, idx);
        for (size_t j = 0; j < k; j++) {
            labels[j] = title_of(o, base->procedures[idx[j]].name);
            picked[j] = keys[idx[j]];
            tp[j] = money(o, picked[j], texts[j]);
        }
        title = k < changed ? say(o, W_CHART_SAVING_SOME, count(o, (int64_t)k, a),
                                  count(o, (int64_t)changed, b), (const char *)NULL)
                            : mc_format("%s", w(o, W_CHART_SAVING));
        if (title == NULL) {
            html_set_error(h, ENOMEM);
            goto done;
        }
        html_heading(h, "%s", w(o, W_CHART_SAVING_H));
        html_series series = {w(o, W_SAVING_YEAR), picked, tp};
        html_diverging_chart(h, title, labels, k, &series, w(o, W_GAIN), w(o, W_LOSS));
    } else {
        for (size_t i = 0; i < n; i++) {
            keys[i] = (double)base->procedures[i].dossiers;
        }
        size_t k = cli_top(keys, n, CLI_CHART_MAX, idx);
        for (size_t j = 0; j < k; j++) {
            labels[j] = title_of(o, base->procedures[idx[j]].name);
            picked[j] = mc_sim_figures_of(&base->procedures[idx[j]]).cost;
            tp[j] = per_dossier(o, picked[j], texts[j]);
        }
        title = k < n ? say(o, W_CHART_COST_SOME, count(o, (int64_t)k, a), count(o, (int64_t)n, b),
                            (const char *)NULL)
                      : mc_format("%s", w(o, W_CHART_COST));
        if (title == NULL) {
            html_set_error(h, ENOMEM);
            goto done;
        }
        html_heading(h, "%s", w(o, W_CHART_COST_H));
        html_series series = {w(o, W_H_COST), picked, tp};
        html_bar_chart(h, title, labels, k, &series, 1);
    }
done:
    mc_free(title);
    free(keys);
    free(idx);
    free(labels);
    free(picked);
    free(texts);
    free(tp);
}

enum { WD_BINS = 31 }; /* whole working days 0 … 29, then 30 and more */

/* The lead-time distribution and the on-time and documents shares. */
static void lead_and_shares(html *h, const sim_out *o)
{
    double lb[WD_BINS], lr[WD_BINS];
    const char *bins[WD_BINS];
    char text[WD_BINS][8];
    for (size_t d = 0; d < WD_BINS; d++) {
        snprintf(text[d], sizeof text[d], d + 1 < WD_BINS ? "%zu" : "%zu+", d);
        bins[d] = text[d];
    }
    mc_sim_lead_shares(&o->base->total, lb, WD_BINS);
    if (o->ref) {
        mc_sim_lead_shares(&o->ref->total, lr, WD_BINS);
    }
    html_series lead[] = {{w(o, W_TODAY), lb, NULL}, {w(o, W_AFTER), lr, NULL}};
    html_heading(h, "%s", w(o, W_LEAD_H));
    html_column_chart(h, w(o, W_LEAD_CHART), bins, WD_BINS, lead, o->ref ? 2 : 1);
    const mc_sim_result *side[2] = {o->base, o->ref};
    html_share on_time[2], docs[2];
    size_t k = o->ref ? 2 : 1;
    for (size_t i = 0; i < k; i++) {
        const mc_sim_stats *t = &side[i]->total;
        const char *name = w(o, i ? W_AFTER : W_TODAY);
        on_time[i] = (html_share){
            name, 2, {w(o, W_ON_TIME), w(o, W_LATE)}, {(double)t->on_time, (double)t->late}};
        docs[i] = (html_share){
            name, 2, {w(o, W_FETCHED), w(o, W_ASKED)}, {(double)t->fetched, (double)t->asked}};
    }
    html_heading(h, "%s", w(o, W_SHARES_H));
    html_share_chart(h, w(o, W_SHARES_ON_TIME), on_time, k);
    html_share_chart(h, w(o, W_SHARES_DOCS), docs, k);
}

static const double *sort_keys;

static int by_key_desc(const void *a, const void *b)
{
    double x = sort_keys[*(const size_t *)a], y = sort_keys[*(const size_t *)b];
    return x > y   ? -1
           : x < y ? 1
                   : (*(const size_t *)a > *(const size_t *)b) -
                         (*(const size_t *)a < *(const size_t *)b);
}

/* The procedures that change most (with a reform) or have the most dossiers, PAGE_ROWS at most,
 * those simulated on fewer than SIM_PAGE_FEW dossiers flagged. */
static void procedures(html *h, const sim_out *o)
{
    const mc_sim_result *base = o->base;
    size_t n = base->nprocedures;
    size_t *idx = calloc(n ? n : 1, sizeof *idx);
    double *keys = calloc(n ? n : 1, sizeof *keys);
    if (idx == NULL || keys == NULL) {
        html_set_error(h, ENOMEM);
        free(idx);
        free(keys);
        return;
    }
    size_t listed = 0;
    for (size_t i = 0; i < n; i++) {
        const mc_sim_stats *x = &base->procedures[i];
        if (o->ref != NULL) {
            int64_t s = saving_of(o, x);
            keys[i] = s < 0 ? -(double)s : (double)s;
            if (s != 0 || abolished(o, x)) {
                idx[listed++] = i;
            }
        } else {
            keys[i] = (double)x->dossiers;
            idx[listed++] = i;
        }
    }
    size_t changed = listed;
    sort_keys = keys;
    qsort(idx, listed, sizeof *idx, by_key_desc);
    sort_keys = NULL;
    size_t k = listed < PAGE_ROWS ? listed : PAGE_ROWS;
    html_heading(h, "%s", w(o, o->ref ? W_PROCS_H : W_PROCS_H_MOST));
    const char *head_r[] = {w(o, W_P_PROCEDURE),  w(o, W_P_DOSSIERS), w(o, W_P_COST_TODAY),
                            w(o, W_P_COST_AFTER), w(o, W_P_ON_TIME),  w(o, W_P_P50),
                            w(o, W_P_SAVING)};
    const char *head_b[] = {w(o, W_P_PROCEDURE), w(o, W_P_DOSSIERS), w(o, W_P_COST),
                            w(o, W_P_ON_TIME),   w(o, W_P_P50),      w(o, W_P_ANNUAL)};
    if (o->ref) {
        html_table_begin(h, NULL, head_r, 7, "lrrrrrr");
    } else {
        html_table_begin(h, NULL, head_b, 6, "lrrrrr");
    }
    for (size_t j = 0; j < k; j++) {
        const mc_sim_stats *x = &base->procedures[idx[j]];
        const mc_procedure *p = proc_of(o, x->name);
        mc_sim_figures f = mc_sim_figures_of(x);
        char name[600], d[80], cb[64], cr[64], ot[160], p50[160], sv[64], u[64], v[64];
        snprintf(name, sizeof name, "%s\n%s%s%s", title_of(o, x->name), x->name,
                 p && p->code ? " · " : "", p && p->code ? p->code : "");
        count(o, f.dossiers, u);
        snprintf(d, sizeof d, "%s%s", u, f.dossiers < SIM_PAGE_FEW ? " ⚠" : "");
        per_dossier(o, f.cost, cb);
        if (o->ref) {
            const mc_sim_stats *rs = stats_of(o->ref, x->name);
            bool gone = abolished(o, x);
            mc_sim_figures q = f;
            if (!gone) {
                q = mc_sim_figures_of(rs);
            }
            if (gone) {
                snprintf(cr, sizeof cr, "%s", w(o, W_ABOLISHED));
                snprintf(ot, sizeof ot, "%s", pct(o, f.on_time, u));
                snprintf(p50, sizeof p50, "%s", num(o, f.p50, u));
            } else {
                per_dossier(o, q.cost, cr);
                snprintf(ot, sizeof ot, "%s → %s", pct(o, f.on_time, u), pct(o, q.on_time, v));
                snprintf(p50, sizeof p50, "%s → %s", num(o, f.p50, u), num(o, q.p50, v));
            }
            money(o, (double)saving_of(o, x), sv);
            const char *cells[] = {name, d, cb, cr, ot, p50, sv};
            html_table_row(h, cells);
        } else {
            pct(o, f.on_time, ot);
            num(o, f.p50, p50);
            money(o, f.legal_annual, sv);
            const char *cells[] = {name, d, cb, ot, p50, sv};
            html_table_row(h, cells);
        }
    }
    html_table_end(h);
    size_t few = count_few(base);
    char a[64], b[64], c[64];
    if (few > 0) {
        para(h, o, W_P_FEW, count(o, (int64_t)few, a), count(o, (int64_t)n, b), (const char *)NULL);
    }
    if (o->ref) {
        para(h, o, W_P_REST, count(o, (int64_t)k, a), count(o, (int64_t)changed, b),
             count(o, (int64_t)(n - changed), c), (const char *)NULL);
    } else {
        para(h, o, W_P_REST_MOST, count(o, (int64_t)k, a), count(o, (int64_t)n, b),
             (const char *)NULL);
    }
    free(idx);
    free(keys);
}

/* Hundredths (mc_report_ratios) with two decimals; "—" for none. */
static const char *hundredths(const sim_out *o, int64_t v, char out[64])
{
    if (v == MC_REPORT_NONE) {
        snprintf(out, 64, "—");
    } else {
        brief_decimal(o->lang, v, 100, 2, out);
    }
    return out;
}

/* The indicators of Decision 766 over the simulated dossiers, today and after. */
static void indicators(html *h, const sim_out *o)
{
    const char *head[] = {"",
                          w(o, W_I_RECEIVED),
                          w(o, W_I_RESOLVED),
                          w(o, W_I_ON_TIME),
                          w(o, W_I_LATE),
                          w(o, W_I_ONLINE),
                          w(o, W_I_RESULTS),
                          w(o, W_I_FETCHED),
                          w(o, W_I_ASKED),
                          w(o, W_I_MEAN)};
    html_heading(h, "%s", w(o, W_IND_H));
    html_table_begin(h, NULL, head, 10, "lrrrrrrrrr");
    const mc_sim_result *side[2] = {o->base, o->ref};
    for (int k = 0; k < (o->ref ? 2 : 1); k++) {
        const mc_indicators *x = &side[k]->indicators.total;
        mc_indicator_ratios q = mc_report_ratios(x);
        char c[9][80], t[64];
        count(o, x->received, c[0]);
        count(o, x->resolved, c[1]);
        snprintf(c[2], sizeof c[2], "%s%%", hundredths(o, q.on_time, t));
        count(o, x->late, c[3]);
        snprintf(c[4], sizeof c[4], "%s%%", hundredths(o, q.online, t));
        count(o, x->results, c[5]);
        count(o, x->fetched, c[6]);
        count(o, x->asked, c[7]);
        hundredths(o, q.mean_wd, c[8]);
        if (q.on_time == MC_REPORT_NONE) {
            snprintf(c[2], sizeof c[2], "—");
        }
        if (q.online == MC_REPORT_NONE) {
            snprintf(c[4], sizeof c[4], "—");
        }
        const char *cells[] = {
            w(o, k ? W_AFTER : W_TODAY), c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8]};
        html_table_row(h, cells);
    }
    html_table_end(h);
}

/* The briefing's layout, the headline's four figures two by two, and on paper a section's
 * opening sentence kept with its table. */
static const char page_style[] = BRIEF_PRINT_STYLE ".figures .figure{flex:1 1 40%}\n"
                                                   "@media print{h2+p{break-after:avoid}}\n";

int sim_page_open(html **out, const char *path, const sim_out *o, mc_error *err)
{
    char names[600] = "";
    char *title = NULL;
    if (o->nreforms > 0) {
        /* one reform: by its title in the page's language; stacked ones by their names */
        const char *t = o->nreforms == 1 ? mc_reform_title_in(o->reforms[0], lang_tag(o)) : NULL;
        reform_names(o->reforms, o->nreforms, names, sizeof names);
        title = say(o, W_TITLE_REFORM, t ? t : names, (const char *)NULL);
    } else if (o->ncompare > 0) {
        title = mc_format("%s", w(o, W_TITLE_COMPARE));
    } else {
        title = mc_format("%s", w(o, W_TITLE));
    }
    if (title == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    int rc = html_open_doc(out, path, title, o->lang == MC_LANG_EN ? "en" : "vi", page_style, err);
    mc_free(title);
    return rc;
}

int sim_page_write(html *h, const sim_out *o, mc_error *err)
{
    page_meta(h, o);
    if (o->ncompare > 0) {
        caveats(h, o);
        compare(h, o);
        for (size_t i = 0; i < o->ncompare; i++) {
            changes(h, o, o->compare[i]);
        }
    } else {
        headline(h, o);
        caveats(h, o);
        for (size_t i = 0; i < o->nreforms; i++) {
            changes(h, o, o->reforms[i]);
        }
        dossiers(h, o);
        year(h, o);
        pools(h, o);
        gains(h, o);
        runs(h, o);
        subtotals(h, o);
        procedure_chart(h, o);
        procedures(h, o);
        lead_and_shares(h, o);
        if (o->cov != NULL) {
            cli_coverage_page(h, o->cov, o->cat, o->lang);
        }
        indicators(h, o);
    }
    html_heading(h, "%s", w(o, W_METHOD_H));
    html_para(h, "%s", w(o, W_METHOD_TEXT));
    return html_close(h, err);
}
