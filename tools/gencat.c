/*
 * gencat: writes a synthetic national catalogue in the .proc language (SPEC §2, §4) for the
 * benchmarks and for load tests of the linter. `gencat OUTDIR [N] [SEED]` writes
 * OUTDIR/procedures/common.proc (calendar, roles, documents, registries, cost model and the
 * shared `one-stop` lifecycle), then N procedures, one file each, under
 * OUTDIR/procedures/sector-XX/, and an empty OUTDIR/rules/. About 5% of the procedures get a
 * second version (a second file, same name, a later `effective` date) and about 10% replace
 * the lifecycle's `approved` state with their own. The output depends only on N and SEED:
 * each procedure draws from its own generator, seeded from SEED and its number. The catalogue
 * is meant to lint clean; it uses no rule references, so rules/ stays empty. gencat never
 * deletes anything: write into a fresh folder.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#define DEFAULT_N 6500
#define DEFAULT_SEED 1
#define MAX_N 999999
#define SECTORS 50
#define MAX_FIELDS 4 /* besides citizen-id */
#define MAX_REQS 8
#define MAX_LAWS 3

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------------------------------- */
/* Random numbers: splitmix64, so that the output is the same on every libc.                */
/* ---------------------------------------------------------------------------------------- */

struct rng {
    uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* A number in [0, n); n > 0. The modulo bias is irrelevant at these sizes. */
static unsigned rng_below(struct rng *r, unsigned n)
{
    return (unsigned)(rng_next(r) % n);
}

/* True with probability pct/100. */
static bool rng_chance(struct rng *r, unsigned pct)
{
    return rng_below(r, 100) < pct;
}

/* ---------------------------------------------------------------------------------------- */
/* Tables                                                                                   */
/* ---------------------------------------------------------------------------------------- */

struct document {
    const char *name, *title, *title_vi, *match;
};

/* The first two are the forms every procedure starts with; approval-decision is the result
 * the shared lifecycle issues, never required. */
static const struct document documents[] = {
    {"application-form", "Application form", "Đơn đề nghị",
     "(?i)application form|đơn đề nghị|tờ khai đề nghị"},
    {"declaration-form", "Declaration form", "Tờ khai", "(?i)declaration form|tờ khai"},
    {"citizen-identity-card", "Citizen identity card", "Căn cước công dân",
     "(?i)citizen identity card|identity card|căn cước công dân|thẻ căn cước|chứng minh nhân dân"},
    {"residence-confirmation", "Residence confirmation", "Xác nhận thông tin về cư trú",
     "(?i)residence confirmation|xác nhận thông tin về cư trú|xác nhận cư trú|sổ hộ khẩu"},
    {"birth-certificate", "Birth certificate", "Giấy khai sinh",
     "(?i)birth certificate|giấy khai sinh|trích lục khai sinh"},
    {"marriage-certificate", "Marriage certificate", "Giấy chứng nhận kết hôn",
     "(?i)marriage certificate|giấy chứng nhận kết hôn|giấy đăng ký kết hôn"},
    {"death-certificate", "Death certificate", "Trích lục khai tử",
     "(?i)death certificate|trích lục khai tử|giấy chứng tử"},
    {"marital-status-certificate", "Certificate of marital status",
     "Giấy xác nhận tình trạng hôn nhân", "(?i)marital status|tình trạng hôn nhân"},
    {"social-insurance-book", "Social insurance book", "Sổ bảo hiểm xã hội",
     "(?i)social insurance book|sổ bảo hiểm xã hội|sổ bhxh"},
    {"health-insurance-card", "Health insurance card", "Thẻ bảo hiểm y tế",
     "(?i)health insurance card|thẻ bảo hiểm y tế|thẻ bhyt"},
    {"driving-licence", "Driving licence", "Giấy phép lái xe",
     "(?i)driving licen[cs]e|driver'?s licen[cs]e|giấy phép lái xe|bằng lái xe"},
    {"enterprise-registration-certificate", "Enterprise registration certificate",
     "Giấy chứng nhận đăng ký doanh nghiệp",
     "(?i)enterprise registration certificate|business registration certificate|"
     "giấy chứng nhận đăng ký doanh nghiệp|đăng ký kinh doanh"},
    {"cooperative-registration-certificate", "Co-operative registration certificate",
     "Giấy chứng nhận đăng ký hợp tác xã", "(?i)co-?operative registration|đăng ký hợp tác xã"},
    {"household-business-certificate", "Household business registration certificate",
     "Giấy chứng nhận đăng ký hộ kinh doanh", "(?i)household business|hộ kinh doanh"},
    {"vehicle-registration-certificate", "Vehicle registration certificate",
     "Giấy chứng nhận đăng ký xe", "(?i)vehicle registration|đăng ký xe|cà vẹt xe"},
    {"land-use-right-certificate", "Land-use right certificate",
     "Giấy chứng nhận quyền sử dụng đất",
     "(?i)land[- ]use right certificate|quyền sử dụng đất|sổ đỏ|sổ hồng"},
    {"cadastral-map-extract", "Cadastral map extract", "Trích lục bản đồ địa chính",
     "(?i)cadastral map|bản đồ địa chính"},
    {"judicial-record-certificate", "Judicial record certificate", "Phiếu lý lịch tư pháp",
     "(?i)judicial record|criminal record|lý lịch tư pháp"},
    {"health-certificate", "Health certificate", "Giấy khám sức khỏe",
     "(?i)health certificate|medical certificate|giấy khám sức khỏe|giấy khám sức khoẻ"},
    {"approval-decision", "Approval decision", "Quyết định phê duyệt",
     "(?i)approval decision|quyết định phê duyệt|quyết định chấp thuận"},
    {"portrait-photo", "Portrait photograph 4x6", "Ảnh chân dung 4x6",
     "(?i)portrait photo|photograph|ảnh chân dung|ảnh thẻ"},
    {"power-of-attorney", "Power of attorney", "Giấy ủy quyền",
     "(?i)power of attorney|authori[sz]ation letter|giấy ủy quyền|giấy uỷ quyền|văn bản ủy quyền"},
    {"medical-birth-notice", "Medical birth notice", "Giấy chứng sinh",
     "(?i)birth notice|giấy chứng sinh"},
    {"death-notice", "Death notice", "Giấy báo tử", "(?i)death notice|giấy báo tử"},
    {"lease-contract", "Lease contract", "Hợp đồng thuê nhà",
     "(?i)lease contract|tenancy agreement|hợp đồng thuê"},
    {"site-plan", "Site plan", "Sơ đồ vị trí", "(?i)site plan|sơ đồ vị trí|mặt bằng vị trí"},
    {"construction-drawing", "Construction drawings", "Bản vẽ thiết kế xây dựng",
     "(?i)construction drawings?|bản vẽ thiết kế|bản vẽ xây dựng"},
    {"technical-design", "Technical design dossier", "Hồ sơ thiết kế kỹ thuật",
     "(?i)technical design|thiết kế kỹ thuật"},
    {"environmental-impact-report", "Environmental impact assessment report",
     "Báo cáo đánh giá tác động môi trường", "(?i)environmental impact|tác động môi trường"},
    {"fire-safety-approval", "Fire safety approval", "Văn bản thẩm duyệt phòng cháy chữa cháy",
     "(?i)fire safety|fire prevention|phòng cháy chữa cháy|pccc"},
    {"diploma", "Diploma", "Văn bằng", "(?i)diploma|degree certificate|văn bằng|bằng tốt nghiệp"},
    {"professional-certificate", "Professional certificate", "Chứng chỉ hành nghề",
     "(?i)professional certificate|practising certificate|chứng chỉ hành nghề"},
    {"tax-clearance", "Tax clearance confirmation", "Xác nhận hoàn thành nghĩa vụ thuế",
     "(?i)tax clearance|nghĩa vụ thuế"},
    {"tax-declaration", "Tax declaration", "Tờ khai thuế",
     "(?i)tax declaration|tax return|tờ khai thuế"},
    {"bank-guarantee", "Bank guarantee", "Bảo lãnh ngân hàng",
     "(?i)bank guarantee|bảo lãnh ngân hàng"},
    {"feasibility-study", "Feasibility study report", "Báo cáo nghiên cứu khả thi",
     "(?i)feasibility study|nghiên cứu khả thi"},
    {"labour-contract", "Labour contract", "Hợp đồng lao động",
     "(?i)labou?r contract|employment contract|hợp đồng lao động"},
    {"quality-test-report", "Quality test report", "Phiếu kết quả thử nghiệm",
     "(?i)test report|quality test|kết quả thử nghiệm|phiếu kiểm nghiệm"},
    {"company-charter", "Company charter", "Điều lệ công ty",
     "(?i)company charter|articles of association|điều lệ công ty|điều lệ doanh nghiệp"},
    {"member-list", "List of members", "Danh sách thành viên",
     "(?i)list of members|member list|danh sách thành viên"},
    {"shareholder-list", "List of founding shareholders", "Danh sách cổ đông sáng lập",
     "(?i)shareholders? list|list of (founding )?shareholders|danh sách cổ đông"},
    {"curriculum-vitae", "Curriculum vitae", "Sơ yếu lý lịch",
     "(?i)curriculum vitae|résumé|sơ yếu lý lịch"},
    {"ownership-proof", "Proof of house ownership", "Giấy tờ chứng minh quyền sở hữu nhà",
     "(?i)house ownership|proof of ownership|quyền sở hữu nhà"},
    {"building-survey", "Building condition survey", "Báo cáo khảo sát hiện trạng công trình",
     "(?i)building survey|condition survey|khảo sát hiện trạng"},
    {"commercial-invoice", "Commercial invoice", "Hóa đơn thương mại",
     "(?i)commercial invoice|hóa đơn thương mại|hoá đơn thương mại"},
    {"certificate-of-origin", "Certificate of origin", "Giấy chứng nhận xuất xứ",
     "(?i)certificate of origin|c/o form|chứng nhận xuất xứ"},
    {"food-safety-certificate", "Food safety certificate",
     "Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", "(?i)food safety|an toàn thực phẩm"},
    {"practice-certificate", "Pharmacy practice certificate", "Chứng chỉ hành nghề dược",
     "(?i)pharmacy practice|hành nghề dược"},
    {"certified-translation", "Certified translation", "Bản dịch có chứng thực",
     "(?i)certified translation|bản dịch có chứng thực|bản dịch công chứng"},
    {"consular-legalisation", "Consular legalisation", "Hợp pháp hóa lãnh sự",
     "(?i)consular legali[sz]ation|hợp pháp hóa lãnh sự|hợp pháp hoá lãnh sự"},
    {"passport", "Passport", "Hộ chiếu", "(?i)passport|hộ chiếu"},
    {"work-permit", "Work permit", "Giấy phép lao động", "(?i)work permit|giấy phép lao động"},
    {"guardian-consent", "Guardian's consent", "Văn bản đồng ý của người giám hộ",
     "(?i)guardian'?s consent|người giám hộ"},
    {"divorce-judgment", "Divorce judgment", "Bản án ly hôn",
     "(?i)divorce (judge?ment|decree)|bản án ly hôn|quyết định ly hôn"},
    {"inheritance-declaration", "Inheritance declaration", "Văn bản khai nhận di sản",
     "(?i)inheritance|di sản thừa kế|khai nhận di sản"},
    {"sales-contract", "Sales contract", "Hợp đồng mua bán",
     "(?i)sales contract|purchase agreement|hợp đồng mua bán|hợp đồng chuyển nhượng"},
    {"appraisal-report", "Appraisal report", "Báo cáo thẩm định giá",
     "(?i)appraisal report|valuation report|thẩm định giá"},
    {"payment-receipt", "Fee payment receipt", "Biên lai thu phí",
     "(?i)payment receipt|fee receipt|biên lai thu phí|biên lai nộp phí"},
    {"business-plan", "Business plan", "Phương án kinh doanh",
     "(?i)business plan|phương án kinh doanh|kế hoạch kinh doanh"},
    {"operating-licence", "Operating licence", "Giấy phép hoạt động",
     "(?i)operating licen[cs]e|giấy phép hoạt động"},
    {"investment-certificate", "Investment registration certificate",
     "Giấy chứng nhận đăng ký đầu tư", "(?i)investment registration|đăng ký đầu tư"},
    {"school-transcript", "School transcript", "Học bạ",
     "(?i)school transcript|academic transcript|học bạ"},
    {"military-service-certificate", "Military service registration certificate",
     "Giấy chứng nhận đăng ký nghĩa vụ quân sự", "(?i)military service|nghĩa vụ quân sự"},
    {"disability-certificate", "Disability certificate", "Giấy xác nhận khuyết tật",
     "(?i)disability certificate|xác nhận khuyết tật"},
    {"poverty-certificate", "Poor household certificate", "Giấy chứng nhận hộ nghèo",
     "(?i)poor household|hộ nghèo"},
    {"vehicle-inspection-certificate", "Vehicle inspection certificate",
     "Giấy chứng nhận kiểm định xe", "(?i)vehicle inspection|roadworthiness|kiểm định xe"},
};

#define FIRST_FREE_DOC 2 /* documents[] before this are the application forms */

struct registry {
    const char *name, *title;
    const char *holds[4];  /* NULL-terminated unless full */
    const char *published; /* NULL: always usable */
    int coverage;          /* percent; 0: not declared */
};

/* Each document appears at most once over all registries (SPEC §4.4). */
static const struct registry registries[] = {
    {"population",
     "National population database",
     {"citizen-identity-card", "residence-confirmation", NULL, NULL},
     "2023-07-01",
     97},
    {"civil-status",
     "Electronic civil status database",
     {"birth-certificate", "marriage-certificate", "death-certificate",
      "marital-status-certificate"},
     "2023-01-01",
     85},
    {"social-insurance",
     "National insurance database",
     {"social-insurance-book", "health-insurance-card", NULL, NULL},
     "2024-01-01",
     90},
    {"driving-licences",
     "National driving licence database",
     {"driving-licence", NULL, NULL, NULL},
     "2024-06-01",
     80},
    {"business-registry",
     "National business registration database",
     {"enterprise-registration-certificate", "cooperative-registration-certificate",
      "household-business-certificate", NULL},
     "2022-01-01",
     95},
    {"vehicles",
     "National vehicle registration database",
     {"vehicle-registration-certificate", NULL, NULL, NULL},
     "2024-01-01",
     88},
    {"land",
     "National land database",
     {"land-use-right-certificate", "cadastral-map-extract", NULL, NULL},
     "2025-07-01",
     60},
    {"judicial-records",
     "Judicial records database",
     {"judicial-record-certificate", NULL, NULL, NULL},
     "2025-01-01",
     70},
    {"e-health",
     "Electronic health book",
     {"health-certificate", NULL, NULL, NULL},
     "2026-01-01",
     40},
    {"e-results",
     "Repository of digitized results",
     {"approval-decision", NULL, NULL, NULL},
     NULL,
     0},
};

struct role {
    const char *name, *title, *title_vi;
};

static const struct role roles[] = {
    {"clerk", "One-stop officer", "Cán bộ một cửa"},
    {"specialist", "Specialist", "Chuyên viên thụ lý"},
    {"head", "Head of agency", "Lãnh đạo cơ quan"},
    {"cashier", "Cashier", "Cán bộ thu phí"},
};

struct phrase {
    const char *en, *vi;
};

static const struct phrase actions[] = {
    {"Issuance of", "Cấp"},         {"Re-issuance of", "Cấp lại"}, {"Renewal of", "Gia hạn"},
    {"Amendment of", "Điều chỉnh"}, {"Replacement of", "Cấp đổi"}, {"Revocation of", "Thu hồi"},
    {"Registration of", "Đăng ký"},
};

/* What procedures are about. `issues`: the registry document that a procedure about it may
 * issue from its own `approved` state, or NULL. */
struct object {
    const char *en, *vi, *issues;
};

static const struct object objects[] = {
    {"construction permit", "giấy phép xây dựng", NULL},
    {"business licence", "giấy phép kinh doanh", NULL},
    {"land-use right certificate", "giấy chứng nhận quyền sử dụng đất",
     "land-use-right-certificate"},
    {"driving licence", "giấy phép lái xe", "driving-licence"},
    {"passport", "hộ chiếu", NULL},
    {"judicial record certificate", "phiếu lý lịch tư pháp", "judicial-record-certificate"},
    {"food safety certificate", "giấy chứng nhận an toàn thực phẩm", NULL},
    {"pharmacy practice certificate", "chứng chỉ hành nghề dược", NULL},
    {"work permit", "giấy phép lao động", NULL},
    {"environmental licence", "giấy phép môi trường", NULL},
    {"fire safety approval", "văn bản thẩm duyệt phòng cháy chữa cháy", NULL},
    {"investment registration certificate", "giấy chứng nhận đăng ký đầu tư", NULL},
    {"enterprise registration certificate", "giấy chứng nhận đăng ký doanh nghiệp",
     "enterprise-registration-certificate"},
    {"household business certificate", "giấy chứng nhận đăng ký hộ kinh doanh",
     "household-business-certificate"},
    {"co-operative registration certificate", "giấy chứng nhận đăng ký hợp tác xã",
     "cooperative-registration-certificate"},
    {"vehicle registration certificate", "giấy chứng nhận đăng ký xe",
     "vehicle-registration-certificate"},
    {"health certificate", "giấy khám sức khỏe", "health-certificate"},
    {"social insurance book", "sổ bảo hiểm xã hội", "social-insurance-book"},
    {"health insurance card", "thẻ bảo hiểm y tế", "health-insurance-card"},
    {"teaching certificate", "chứng chỉ giảng dạy", NULL},
    {"mineral exploitation licence", "giấy phép khai thác khoáng sản", NULL},
    {"water resources licence", "giấy phép tài nguyên nước", NULL},
    {"advertising permit", "giấy phép quảng cáo", NULL},
    {"import licence", "giấy phép nhập khẩu", NULL},
    {"certificate of origin", "giấy chứng nhận xuất xứ", NULL},
    {"medical practice licence", "giấy phép hành nghề khám bệnh, chữa bệnh", NULL},
    {"radio frequency licence", "giấy phép sử dụng tần số vô tuyến điện", NULL},
    {"press card", "thẻ nhà báo", NULL},
    {"tourist guide card", "thẻ hướng dẫn viên du lịch", NULL},
    {"fishing licence", "giấy phép khai thác thủy sản", NULL},
    {"forest product permit", "giấy phép khai thác lâm sản", NULL},
    {"permanent residence", "thường trú", "residence-confirmation"},
};

static const char *const laws[] = {
    "Decree 118/2025/NĐ-CP",
    "Law on Civil Status 2014",
    "Law on Enterprises 2020",
    "Law on Residence 2020",
    "Law on Construction 2014",
    "Land Law 2024",
    "Law on Judicial Records 2009",
    "Decree 45/2020/NĐ-CP",
    "Circular 03/2025/TT-VPCP",
    "Law on Road Traffic Order and Safety 2024",
    "Law on Pharmacy 2016",
    "Law on Food Safety 2010",
    "Law on Investment 2020",
    "Law on Education 2019",
    "Law on Environmental Protection 2020",
};

static const char *const agencies[] = {
    "commune-committee",
    "provincial-committee",
    "department-of-justice",
    "department-of-construction",
    "department-of-finance",
    "department-of-health",
    "department-of-education",
    "department-of-transport",
    "department-of-agriculture-and-environment",
    "department-of-industry-and-trade",
    "department-of-home-affairs",
    "provincial-police",
    "tax-office",
    "customs-office",
    "ministry-of-justice",
    "ministry-of-health",
    "ministry-of-finance",
    "ministry-of-construction",
    "social-insurance-agency",
    "land-registration-office",
};

static const char *const bool_fields[] = {
    "first-time",    "has-representative", "married",      "foreign-element", "late-filing",
    "owns-land",     "has-business",       "disabled",     "urban-area",      "renewal",
    "minor",         "previously-refused", "needs-survey", "exported",        "large-scale",
    "has-employees",
};

struct choice_def {
    const char *name;
    const char *options[3];
};

static const struct choice_def choice_fields[] = {
    {"applicant-type", {"individual", "household", "enterprise"}},
    {"residence", {"permanent", "temporary", "abroad"}},
    {"scale", {"small", "medium", "large"}},
    {"nationality", {"vietnamese", "foreign", "stateless"}},
    {"delivery", {"counter", "post", "online"}},
    {"ownership", {"state", "private", "foreign-invested"}},
};

static const char *const efforts[] = {"30min", "1h", "1.5h", "2h", "4h", "8h"};
static const long costs[] = {0, 10000, 20000, 50000, 100000, 200000};
static const unsigned wd_limits[] = {0, 1, 2, 3, 5, 7, 10, 12, 15, 20, 30};
static const unsigned d_limits[] = {10, 15, 30, 45, 60};
static const char *const online_levels[] = {"full", "partial", "none"};

/* ---------------------------------------------------------------------------------------- */
/* Files                                                                                    */
/* ---------------------------------------------------------------------------------------- */

static void die(const char *what, const char *path)
{
    fprintf(stderr, "gencat: %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

/* Creates path and its missing parents (like mkdir -p). */
static void make_dirs(const char *path)
{
    char buf[4096];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof buf) {
        fprintf(stderr, "gencat: bad folder name '%s'\n", path);
        exit(1);
    }
    memcpy(buf, path, len + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') {
            continue;
        }
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
            die("cannot create", buf);
        }
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
        die("cannot create", buf);
    }
}

/* Takes the result of snprintf into a buffer of size bytes: a path cut short is fatal. */
static void fit(int len, size_t size)
{
    if (len < 0 || (size_t)len >= size) {
        fprintf(stderr, "gencat: path too long\n");
        exit(1);
    }
}

static FILE *open_out(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        die("cannot write", path);
    }
    return f;
}

static void close_out(FILE *f, const char *path)
{
    bool failed = ferror(f) != 0;
    if (fclose(f) != 0 || failed) {
        die("error writing", path);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* common.proc                                                                              */
/* ---------------------------------------------------------------------------------------- */

static const char calendar_text[] =
    "calendar vn {\n"
    "    default\n"
    "    utc-offset +07:00\n"
    "    week mon tue wed thu fri\n"
    "    hours 07:30-11:30 13:30-17:00\n"
    "    cutoff 15:00                 # Decree 63/2024 art. 7(2)\n"
    "    covers 2025-2026\n"
    "    holiday every 01-01 \"New Year\"\n"
    "    holiday lunar 03-10 \"Hung Kings Commemoration\"\n"
    "    holiday every 04-30 05-01 \"Reunification Day and Labour Day\"\n"
    "    holiday every 09-02 \"National Day\"\n"
    "    holiday 2025-01-25 2025-02-02 \"Tet\"\n"
    "    holiday 2025-09-01 \"National Day, second day\"\n"
    "    holiday 2026-02-14 2026-02-22 \"Tet\"\n"
    "    holiday 2026-09-01 \"National Day, second day\"\n"
    "    workday 2025-04-26 \"swapped working Saturday\"\n"
    "}\n";

static const char cost_model_text[] = "cost-model vn-2024 {\n"
                                      "    default\n"
                                      "    hourly-income 40000 VND\n"
                                      "    hours-per-day 8\n"
                                      "    visit 4h 30000 VND\n"
                                      "    count-waiting true\n"
                                      "}\n";

/* The example lifecycle of SPEC §4.6, without the rule guard (rules/ is empty). */
static const char lifecycle_text[] =
    "lifecycle one-stop {\n"
    "    apology by clerk head\n"
    "\n"
    "    state submitted {\n"
    "        initial\n"
    "        clock stopped\n"
    "        on receive -> processing by clerk chance 85%\n"
    "        on request-supplement -> awaiting-supplement by clerk chance 12%\n"
    "        on refuse-reception -> refused by clerk chance 3%\n"
    "        takes 0.5wd\n"
    "    }\n"
    "    state awaiting-supplement {\n"
    "        clock stopped\n"
    "        on supplement -> processing by applicant restart-clock chance 85%\n"
    "        on withdraw -> withdrawn by applicant chance 10%\n"
    "        after 30d -> withdrawn\n"
    "        takes 1d 20d\n"
    "    }\n"
    "    state processing {\n"
    "        on approve -> approved by head chance 88%\n"
    "        on request-supplement -> awaiting-supplement by clerk specialist chance 8%\n"
    "        on refuse -> refused by head chance 2%\n"
    "        on withdraw -> withdrawn by applicant chance 2%\n"
    "        takes 1wd 5wd\n"
    "    }\n"
    "    state approved {\n"
    "        issues approval-decision to e-results\n"
    "        on return-result -> returned by clerk cashier\n"
    "        takes 0.5wd 2wd\n"
    "    }\n"
    "    state returned  { final; outcome granted }\n"
    "    state refused   { final; outcome refused }\n"
    "    state withdrawn { final; outcome withdrawn }\n"
    "}\n";

static void write_roles(FILE *f)
{
    for (size_t i = 0; i < COUNT(roles); i++) {
        fprintf(f, "role %s { title \"%s\"; title vi \"%s\" }\n", roles[i].name, roles[i].title,
                roles[i].title_vi);
    }
}

static void write_documents(FILE *f)
{
    for (size_t i = 0; i < COUNT(documents); i++) {
        const struct document *d = &documents[i];
        fprintf(f, "\ndocument %s {\n    title \"%s\"\n    title vi \"%s\"\n    match \"%s\"\n}\n",
                d->name, d->title, d->title_vi, d->match);
    }
}

static void write_registries(FILE *f)
{
    for (size_t i = 0; i < COUNT(registries); i++) {
        const struct registry *r = &registries[i];
        fprintf(f, "\nregistry %s {\n    title \"%s\"\n    holds", r->name, r->title);
        for (size_t j = 0; j < COUNT(r->holds) && r->holds[j]; j++) {
            fprintf(f, " %s", r->holds[j]);
        }
        fputc('\n', f);
        if (r->published) {
            fprintf(f, "    published %s\n", r->published);
        }
        if (r->coverage > 0) {
            fprintf(f, "    coverage %d%%\n", r->coverage);
        }
        fputs("}\n", f);
    }
}

static void write_common(const char *dir, unsigned long long seed)
{
    char path[4096];
    fit(snprintf(path, sizeof path, "%s/common.proc", dir), sizeof path);
    FILE *f = open_out(path);
    fprintf(f,
            "# Synthetic national catalogue written by gencat (seed %llu): shared declarations.\n"
            "# Not real law: names, dates and figures are made up for benchmarks.\n\n",
            seed);
    fputs(calendar_text, f);
    fputc('\n', f);
    write_roles(f);
    write_documents(f);
    write_registries(f);
    fputc('\n', f);
    fputs(cost_model_text, f);
    fputc('\n', f);
    fputs(lifecycle_text, f);
    close_out(f, path);
}

/* ---------------------------------------------------------------------------------------- */
/* Procedures: first drawn into a model, then written (twice for a second version).         */
/* ---------------------------------------------------------------------------------------- */

enum field_kind { FIELD_BOOL, FIELD_CHOICE };
enum cond_kind { COND_NONE, COND_TRUE, COND_FALSE, COND_IS };

struct field {
    enum field_kind kind;
    size_t def;         /* index in bool_fields or choice_fields */
    unsigned sample[3]; /* bool: [0] is the true share; choice: one share per option */
};

struct req {
    size_t doc;
    enum cond_kind cond;
    size_t field;  /* index in proc.fields when cond != COND_NONE */
    size_t option; /* COND_IS */
    bool block, block_lines, block_law;
    size_t effort, cost, law;
    unsigned art;
};

struct proc {
    unsigned num;
    size_t action, object, agency;
    size_t laws[MAX_LAWS];
    unsigned arts[MAX_LAWS];
    size_t nlaws;
    bool in_days;
    unsigned limit;
    long fee, volume;
    size_t online;
    unsigned visits;
    struct field fields[MAX_FIELDS];
    size_t nfields;
    struct req reqs[MAX_REQS];
    size_t nreqs;
    bool override, versioned, compact;
    size_t override_reg, override_doc;
};

static bool seen(const size_t *v, size_t n, size_t x)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i] == x) {
            return true;
        }
    }
    return false;
}

static size_t find_document(const char *name)
{
    for (size_t i = 0; i < COUNT(documents); i++) {
        if (strcmp(documents[i].name, name) == 0) {
            return i;
        }
    }
    fprintf(stderr, "gencat: internal error: no document %s\n", name);
    exit(3);
}

/* Draws the 1-4 fields besides citizen-id: at most one choice, the rest distinct bools. */
static void draw_fields(struct rng *r, struct proc *p)
{
    size_t n = 1 + rng_below(r, MAX_FIELDS);
    size_t used[MAX_FIELDS];
    size_t nused = 0;
    if (rng_chance(r, 50)) {
        struct field *f = &p->fields[p->nfields++];
        f->kind = FIELD_CHOICE;
        f->def = rng_below(r, COUNT(choice_fields));
        f->sample[0] = 40 + rng_below(r, 31);
        f->sample[1] = (100 - f->sample[0]) * (40 + rng_below(r, 41)) / 100;
        f->sample[2] = 100 - f->sample[0] - f->sample[1];
    }
    while (p->nfields < n) {
        size_t def = rng_below(r, COUNT(bool_fields));
        if (seen(used, nused, def)) {
            continue;
        }
        used[nused++] = def;
        struct field *f = &p->fields[p->nfields++];
        f->kind = FIELD_BOOL;
        f->def = def;
        f->sample[0] = 5 * (2 + rng_below(r, 17)); /* 10%..90% */
    }
}

static void draw_condition(struct rng *r, const struct proc *p, struct req *q)
{
    q->field = rng_below(r, (unsigned)p->nfields);
    const struct field *f = &p->fields[q->field];
    if (f->kind == FIELD_CHOICE) {
        q->cond = COND_IS;
        q->option = rng_below(r, 3);
    } else {
        q->cond = rng_chance(r, 60) ? COND_TRUE : COND_FALSE;
    }
}

static void draw_block(struct rng *r, struct req *q, size_t law_hint)
{
    q->block = true;
    q->block_lines = rng_chance(r, 20);
    q->effort = rng_below(r, COUNT(efforts));
    q->cost = rng_below(r, COUNT(costs));
    q->block_law = rng_chance(r, 50);
    q->law = rng_chance(r, 70) ? law_hint : rng_below(r, COUNT(laws));
    q->art = 1 + rng_below(r, 120);
}

/* Draws 3-8 requirements over distinct documents; the first is an application form. */
static void draw_requirements(struct rng *r, struct proc *p)
{
    size_t n = 3 + rng_below(r, MAX_REQS - 2);
    size_t docs[MAX_REQS];
    size_t nd = 0;
    size_t decision = find_document("approval-decision");
    docs[nd++] = rng_below(r, FIRST_FREE_DOC);
    if (rng_chance(r, 50)) {
        docs[nd++] = find_document("citizen-identity-card");
    }
    while (nd < n) {
        size_t d = FIRST_FREE_DOC + rng_below(r, COUNT(documents) - FIRST_FREE_DOC);
        if (d != decision && !seen(docs, nd, d)) {
            docs[nd++] = d;
        }
    }
    for (size_t i = 0; i < nd; i++) {
        struct req *q = &p->reqs[p->nreqs++];
        memset(q, 0, sizeof *q);
        q->doc = docs[i];
        if (i > 0 && rng_chance(r, 40)) {
            draw_condition(r, p, q);
        }
        if (rng_chance(r, 35)) {
            draw_block(r, q, p->laws[0]);
        }
    }
}

/* The registry that holds document doc; every objects[].issues has one. */
static size_t find_registry(size_t doc)
{
    for (size_t i = 0; i < COUNT(registries); i++) {
        const struct registry *reg = &registries[i];
        for (size_t j = 0; j < COUNT(reg->holds) && reg->holds[j]; j++) {
            if (strcmp(reg->holds[j], documents[doc].name) == 0) {
                return i;
            }
        }
    }
    fprintf(stderr, "gencat: internal error: no registry holds %s\n", documents[doc].name);
    exit(3);
}

/* A third of the procedures whose result a registry holds issue it from their own `approved`
 * state (about 10% of all). */
static void draw_override(struct rng *r, struct proc *p)
{
    const char *issues = objects[p->object].issues;
    if (!issues || !rng_chance(r, 30)) {
        return;
    }
    p->override_doc = find_document(issues);
    p->override_reg = find_registry(p->override_doc);
    p->override = true;
}

static long draw_fee(struct rng *r)
{
    if (rng_chance(r, 40)) {
        return 0;
    }
    if (rng_chance(r, 10)) {
        return 100000L * (5 + rng_below(r, 96));
    }
    return 10000L * (1 + rng_below(r, 50));
}

static long draw_volume(struct rng *r)
{
    long v = 1 + rng_below(r, 9);
    for (unsigned e = 1 + rng_below(r, 5); e > 0; e--) {
        v *= 10;
    }
    return v;
}

/* Each sector has a main law and a main agency, so that its procedures look alike. */
static void draw_proc(struct proc *p, unsigned num, unsigned sector, unsigned long long seed)
{
    struct rng r = {seed};
    r.s = rng_next(&r) ^ (num * 0xd1b54a32d192ed03u); /* one stream per (seed, num) */
    memset(p, 0, sizeof *p);
    p->num = num;
    p->action = rng_below(&r, COUNT(actions));
    p->object = rng_below(&r, COUNT(objects));
    p->agency =
        rng_chance(&r, 70) ? (sector - 1) % COUNT(agencies) : rng_below(&r, COUNT(agencies));
    p->nlaws = 1 + rng_below(&r, MAX_LAWS);
    for (size_t i = 0; i < p->nlaws; i++) {
        p->laws[i] = i == 0 ? (sector - 1) % COUNT(laws) : rng_below(&r, COUNT(laws));
        p->arts[i] = 1 + rng_below(&r, 120);
    }
    p->in_days = rng_chance(&r, 20);
    p->limit = p->in_days ? d_limits[rng_below(&r, COUNT(d_limits))]
                          : wd_limits[rng_below(&r, COUNT(wd_limits))];
    p->fee = draw_fee(&r);
    p->volume = draw_volume(&r);
    p->online = rng_below(&r, COUNT(online_levels));
    p->visits = p->online == 0 ? 0 : (unsigned)p->online + rng_below(&r, 2);
    draw_fields(&r, p);
    draw_requirements(&r, p);
    draw_override(&r, p);
    p->versioned = rng_chance(&r, 5);
    p->compact = rng_chance(&r, 10);
}

/* The second version, in force from 2026: a simplification of the first. */
static void simplify(struct proc *p)
{
    p->limit = p->limit * 2 / 3;
    p->fee = p->fee / 2;
    p->online = 0;
    p->visits = 0;
    if (p->nreqs > 3) {
        p->nreqs--;
    }
}

static void write_header(FILE *f, const struct proc *p, int version)
{
    fprintf(f, "procedure proc-%05u {\n", p->num);
    fprintf(f, "    code \"%u.%06u\"\n", 1 + p->num / 1000000, 1000 + p->num % 1000000);
    fprintf(f, "    title \"%s %s\"\n", actions[p->action].en, objects[p->object].en);
    fprintf(f, "    title vi \"%s %s\"\n", actions[p->action].vi, objects[p->object].vi);
    for (size_t i = 0; i < p->nlaws; i++) {
        fprintf(f, "    legal-basis \"%s, art. %u\"\n", laws[p->laws[i]], p->arts[i]);
    }
    fprintf(f, "    agency %s\n", agencies[p->agency]);
    fprintf(f, "    effective %s\n", version == 1 ? "2025-07-01" : "2026-01-01");
    /* Some files join directives with ';' to exercise that form of the syntax. */
    const char *sep = p->compact ? "; " : "\n    ";
    fprintf(f, "    calendar vn%stime-limit %u%s\n", sep, p->limit, p->in_days ? "d" : "wd");
    fprintf(f, "    fee %ld VND%sonline %s\n", p->fee, sep, online_levels[p->online]);
    fprintf(f, "    volume %ld per year\n", p->volume);
    fprintf(f, "    visits %u\n", p->visits);
    fputs("    subject citizen-id\n    lifecycle one-stop\n\n", f);
}

static void write_fields(FILE *f, const struct proc *p)
{
    fputs("    field citizen-id { type text; required; pattern \"[0-9]{12}\" }\n", f);
    for (size_t i = 0; i < p->nfields; i++) {
        const struct field *fd = &p->fields[i];
        if (fd->kind == FIELD_BOOL) {
            fprintf(f, "    field %s { type bool; sample %u%% }\n", bool_fields[fd->def],
                    fd->sample[0]);
            continue;
        }
        const struct choice_def *c = &choice_fields[fd->def];
        fprintf(f, "    field %s {\n        type choice\n        options %s %s %s\n", c->name,
                c->options[0], c->options[1], c->options[2]);
        fprintf(f, "        sample %s %u%% %s %u%% %s %u%%\n    }\n", c->options[0], fd->sample[0],
                c->options[1], fd->sample[1], c->options[2], fd->sample[2]);
    }
}

static void write_condition(FILE *f, const struct proc *p, const struct req *q)
{
    const struct field *fd = &p->fields[q->field];
    switch (q->cond) {
    case COND_NONE:
        break;
    case COND_TRUE:
        fprintf(f, " when %s", bool_fields[fd->def]);
        break;
    case COND_FALSE:
        fprintf(f, " when not %s", bool_fields[fd->def]);
        break;
    case COND_IS:
        fprintf(f, " when %s is %s", choice_fields[fd->def].name,
                choice_fields[fd->def].options[q->option]);
        break;
    }
}

static void write_requirement(FILE *f, const struct proc *p, const struct req *q)
{
    fprintf(f, "    requires %s", documents[q->doc].name);
    write_condition(f, p, q);
    if (!q->block) {
        fputc('\n', f);
        return;
    }
    const char *open = q->block_lines ? " {\n        " : " { ";
    const char *sep = q->block_lines ? "\n        " : "; ";
    const char *close = q->block_lines ? "\n    }\n" : " }\n";
    fprintf(f, "%seffort %s%scost %ld VND", open, efforts[q->effort], sep, costs[q->cost]);
    if (q->block_law) {
        fprintf(f, "%slegal-basis \"%s, art. %u\"", sep, laws[q->law], q->art);
    }
    fputs(close, f);
}

static void write_proc(FILE *f, const struct proc *p, int version, unsigned long long seed)
{
    fprintf(f, "# Synthetic procedure written by gencat (seed %llu); not a real procedure.\n",
            seed);
    write_header(f, p, version);
    write_fields(f, p);
    fputc('\n', f);
    for (size_t i = 0; i < p->nreqs; i++) {
        write_requirement(f, p, &p->reqs[i]);
    }
    if (p->override) {
        fprintf(f,
                "\n    state approved { issues %s to %s; on return-result -> returned by clerk }\n",
                documents[p->override_doc].name, registries[p->override_reg].name);
    }
    fputs("}\n", f);
}

/* Procedures 1..n fill sectors 1..SECTORS in contiguous runs. */
static unsigned sector_of(unsigned num, unsigned n)
{
    return 1 + (unsigned)((unsigned long long)(num - 1) * SECTORS / n);
}

/* Writes procedure num (and its second version); returns the number of files written. */
static unsigned write_procedure(const char *procdir, unsigned num, unsigned n,
                                unsigned long long seed)
{
    char path[4096];
    unsigned sector = sector_of(num, n);
    struct proc p;
    draw_proc(&p, num, sector, seed);

    fit(snprintf(path, sizeof path, "%s/sector-%02u/p%05u.proc", procdir, sector, num),
        sizeof path);
    FILE *f = open_out(path);
    write_proc(f, &p, 1, seed);
    close_out(f, path);
    if (!p.versioned) {
        return 1;
    }
    simplify(&p);
    fit(snprintf(path, sizeof path, "%s/sector-%02u/p%05u-v2.proc", procdir, sector, num),
        sizeof path);
    f = open_out(path);
    write_proc(f, &p, 2, seed);
    close_out(f, path);
    return 2;
}

/* ---------------------------------------------------------------------------------------- */
/* Command line                                                                             */
/* ---------------------------------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr, "usage: gencat OUTDIR [N] [SEED]   (N 1..%d, default %d; SEED default %d)\n",
            MAX_N, DEFAULT_N, DEFAULT_SEED);
    exit(2);
}

static unsigned long long parse_number(const char *s, unsigned long long max)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max) {
        usage();
    }
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4 || argv[1][0] == '\0') {
        usage();
    }
    const char *out = argv[1];
    unsigned n = argc > 2 ? (unsigned)parse_number(argv[2], MAX_N) : DEFAULT_N;
    unsigned long long seed = argc > 3 ? parse_number(argv[3], UINT64_MAX) : DEFAULT_SEED;
    if (n == 0) {
        usage();
    }

    char procdir[4096], path[4096];
    fit(snprintf(procdir, sizeof procdir, "%s/procedures", out), sizeof procdir);
    fit(snprintf(path, sizeof path, "%s/rules", out), sizeof path);
    make_dirs(procdir);
    make_dirs(path);

    write_common(procdir, seed);
    unsigned files = 1;
    for (unsigned num = 1; num <= n; num++) {
        if (num == 1 || sector_of(num, n) != sector_of(num - 1, n)) {
            fit(snprintf(path, sizeof path, "%s/sector-%02u", procdir, sector_of(num, n)),
                sizeof path);
            make_dirs(path);
        }
        files += write_procedure(procdir, num, n, seed);
    }
    printf("gencat: %u procedures, %u files in %s\n", n, files, out);
    return 0;
}
