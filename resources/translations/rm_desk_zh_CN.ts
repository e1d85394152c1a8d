<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>AddProfileDialog</name>
    <message>
        <source>Add profile</source>
        <translation>添加用户档案</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Central CRM address</source>
        <translation>中心CRM地址</translation>
    </message>
    <message>
        <source>First sync progress</source>
        <translation>首次同步进度</translation>
    </message>
    <message>
        <source>Central CRM</source>
        <translation>中心CRM</translation>
    </message>
    <message>
        <source>User name, password and server are all needed.</source>
        <translation>请填写用户名、密码和服务器地址。</translation>
    </message>
    <message>
        <source>The central CRM address must start with https://.</source>
        <translation>中心CRM地址必须以 https:// 开头。</translation>
    </message>
    <message>
        <source>Signing in and downloading your book…</source>
        <translation>正在登录并下载您的客户…</translation>
    </message>
    <message>
        <source>The central CRM at %1 cannot be reached. No profile was created: check the address and the network, then try again.</source>
        <translation>无法连接中心CRM（%1）。未创建用户档案：请检查地址和网络后重试。</translation>
    </message>
    <message>
        <source>The secure connection to the central CRM at %1 failed. No profile was created; contact IT.</source>
        <translation>与中心CRM（%1）的安全连接失败。未创建用户档案；请联系IT部门。</translation>
    </message>
    <message>
        <source>The central CRM at %1 answered with an error. No profile was created; try again later.</source>
        <translation>中心CRM（%1）返回错误。未创建用户档案；请稍后重试。</translation>
    </message>
</context>
<context>
    <name>AssignmentNotifier</name>
    <message>
        <source>%1 · %2 · due %3</source>
        <translation>%1 · %2 · %3 到期</translation>
    </message>
    <message>
        <source>Reassigned to you · %1 · due %2</source>
        <translation>已改派给您 · %1 · %2 到期</translation>
    </message>
    <message numerus="yes">
        <source>RM Desk: %n new follow-up(s) assigned to you</source>
        <translation><numerusform>RM Desk：您有 %n 项新派发的跟进任务</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>…and %n more</source>
        <translation><numerusform>……另有 %n 项</numerusform></translation>
    </message>
</context>
<context>
    <name>AtRiskModel</name>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>CIF</source>
        <translation>客户号</translation>
    </message>
    <message>
        <source>Churn risk</source>
        <translation>流失风险</translation>
    </message>
    <message>
        <source>Score</source>
        <translation>评分</translation>
    </message>
    <message>
        <source>AUM</source>
        <translation>AUM</translation>
    </message>
    <message>
        <source>Last contact</source>
        <translation>最近联系</translation>
    </message>
</context>
<context>
    <name>BookPage</name>
    <message>
        <source>Segment</source>
        <translation>客户分层</translation>
    </message>
    <message>
        <source>AUM tier</source>
        <translation>资产规模档位</translation>
    </message>
    <message>
        <source>Lifecycle</source>
        <translation>生命周期</translation>
    </message>
    <message>
        <source>Churn risk</source>
        <translation>流失风险</translation>
    </message>
    <message>
        <source>Tag</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>any</source>
        <translation>不限</translation>
    </message>
    <message>
        <source> days</source>
        <translation> 天</translation>
    </message>
    <message>
        <source>Not contacted for at least (days)</source>
        <translation>至少多少天未联系</translation>
    </message>
    <message>
        <source>Saved filters</source>
        <translation>已保存的筛选</translation>
    </message>
    <message>
        <source>Save filter…</source>
        <translation>保存筛选…</translation>
    </message>
    <message>
        <source>Save the current filter</source>
        <translation>保存当前筛选条件</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Clear all filters</source>
        <translation>清除全部筛选</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>档位</translation>
    </message>
    <message>
        <source>Churn</source>
        <translation>流失</translation>
    </message>
    <message>
        <source>No contact</source>
        <translation>未联系</translation>
    </message>
    <message>
        <source>Book of customers</source>
        <translation>客户列表</translation>
    </message>
    <message>
        <source>Number of customers listed</source>
        <translation>列出的客户数</translation>
    </message>
    <message>
        <source>My book</source>
        <translation>我的客户</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Saved filters…</source>
        <translation>已保存的筛选…</translation>
    </message>
    <message numerus="yes">
        <source>%n customer(s)</source>
        <translation><numerusform>%n 位客户</numerusform></translation>
    </message>
    <message>
        <source>Save filter</source>
        <translation>保存筛选</translation>
    </message>
    <message>
        <source>Name of this filter:</source>
        <translation>筛选名称：</translation>
    </message>
</context>
<context>
    <name>BookTableModel</name>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>CIF</source>
        <translation>客户号</translation>
    </message>
    <message>
        <source>Segment</source>
        <translation>客户分层</translation>
    </message>
    <message>
        <source>AUM (¥)</source>
        <translation>资产规模（元）</translation>
    </message>
    <message>
        <source>Lifecycle</source>
        <translation>生命周期</translation>
    </message>
    <message>
        <source>Churn risk</source>
        <translation>流失风险</translation>
    </message>
    <message>
        <source>Main churn reason</source>
        <translation>主要流失原因</translation>
    </message>
    <message>
        <source>Last contact</source>
        <translation>最近联系</translation>
    </message>
    <message>
        <source>Next task</source>
        <translation>下次跟进</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
</context>
<context>
    <name>Brief</name>
    <message>
        <source>Visit brief</source>
        <translation>拜访简报</translation>
    </message>
    <message numerus="yes">
        <source>… and %n more</source>
        <translation><numerusform>…… 另有 %n 项</numerusform></translation>
    </message>
    <message>
        <source>%1 · %2 · owner %3 · customer since %4</source>
        <translation>%1 · %2 · 客户经理 %3 · 开户于 %4</translation>
    </message>
    <message>
        <source>AUM %1</source>
        <translation>资产规模 %1</translation>
    </message>
    <message>
        <source>%1 %2% over 3 months</source>
        <translation>%1 近 3 个月 %2%</translation>
    </message>
    <message>
        <source>Not scored</source>
        <translation>未评分</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Personal details are masked as on screen for the %1 role.</source>
        <translation>个人信息按%1角色在屏幕上的显示方式脱敏。</translation>
    </message>
    <message numerus="yes">
        <source>Holdings (%n product(s), assets %1)</source>
        <translation><numerusform>持有产品（%n 个，资产 %1）</numerusform></translation>
    </message>
    <message>
        <source>No holdings with the bank.</source>
        <translation>该客户在本行没有持有产品。</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Product</source>
        <translation>产品</translation>
    </message>
    <message>
        <source>Balance</source>
        <translation>余额</translation>
    </message>
    <message>
        <source>Matures</source>
        <translation>到期日</translation>
    </message>
    <message numerus="yes">
        <source>AUM, last %n month(s) (¥10,000)</source>
        <translation><numerusform>近 %n 个月资产规模（万元）</numerusform></translation>
    </message>
    <message>
        <source>No monthly history yet.</source>
        <translation>暂无月度历史数据。</translation>
    </message>
    <message>
        <source>Why at risk, and what to talk about</source>
        <translation>流失原因与沟通要点</translation>
    </message>
    <message>
        <source>Not scored by the churn model yet.</source>
        <translation>流失模型尚未评分。</translation>
    </message>
    <message>
        <source>No churn reasons: the model sees no sign of leaving.</source>
        <translation>没有流失原因：模型未发现流失迹象。</translation>
    </message>
    <message>
        <source>Churn reasons</source>
        <translation>流失原因</translation>
    </message>
    <message>
        <source>Suggested talking points</source>
        <translation>建议沟通要点</translation>
    </message>
    <message numerus="yes">
        <source>Recent contacts (%n in all)</source>
        <translation><numerusform>近期联系（共 %n 次）</numerusform></translation>
    </message>
    <message>
        <source>No contact recorded yet.</source>
        <translation>尚无联系记录。</translation>
    </message>
    <message>
        <source>Open follow-ups</source>
        <translation>未完成的跟进任务</translation>
    </message>
    <message>
        <source>No open follow-up.</source>
        <translation>没有未完成的跟进任务。</translation>
    </message>
    <message>
        <source>%1 (overdue)</source>
        <translation>%1（已逾期）</translation>
    </message>
    <message>
        <source>Printed by %1 on %2. Confidential: customer data of the bank; do not leave it behind. The print is recorded in the audit log.</source>
        <translation>由 %1 于 %2 打印。机密：本行客户资料，请勿遗留。本次打印已记入审计日志。</translation>
    </message>
</context>
<context>
    <name>BriefActions</name>
    <message>
        <source>Visit brief…</source>
        <translation>拜访简报…</translation>
    </message>
    <message>
        <source>Save or print a one-page visit brief</source>
        <translation>保存或打印一页的拜访简报</translation>
    </message>
    <message>
        <source>Save as PDF…</source>
        <translation>另存为 PDF…</translation>
    </message>
    <message>
        <source>Print…</source>
        <translation>打印…</translation>
    </message>
    <message>
        <source>Save the visit brief</source>
        <translation>保存拜访简报</translation>
    </message>
    <message>
        <source>PDF documents (*.pdf)</source>
        <translation>PDF 文档 (*.pdf)</translation>
    </message>
</context>
<context>
    <name>ChangeRequestDialog</name>
    <message>
        <source>Request a change</source>
        <translation>申请变更</translation>
    </message>
    <message>
        <source>Field to change</source>
        <translation>要变更的字段</translation>
    </message>
    <message>
        <source>New value</source>
        <translation>新值</translation>
    </message>
    <message>
        <source>The bank reviews the request; the record changes once it is approved.</source>
        <translation>变更申请由银行审核，审核通过后客户资料才会更改。</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <source>Enter the new value.</source>
        <translation>请填写新值。</translation>
    </message>
</context>
<context>
    <name>Clipboard</name>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
</context>
<context>
    <name>ConflictsModel</name>
    <message>
        <source>Record</source>
        <translation>记录</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <source>Mine</source>
        <translation>本机的值</translation>
    </message>
    <message>
        <source>Theirs</source>
        <translation>中心的值</translation>
    </message>
    <message>
        <source>Detected</source>
        <translation>发现时间</translation>
    </message>
</context>
<context>
    <name>ContactDialog</name>
    <message>
        <source>Edit contact details</source>
        <translation>编辑联系方式</translation>
    </message>
    <message>
        <source>New mobile number</source>
        <translation>新手机号码</translation>
    </message>
    <message>
        <source>Now %1; leave empty to keep it</source>
        <translation>当前为 %1；留空则保持不变</translation>
    </message>
    <message>
        <source>New e-mail address</source>
        <translation>新电子邮箱</translation>
    </message>
    <message>
        <source>Tags, separated by commas</source>
        <translation>标签，以逗号分隔</translation>
    </message>
    <message>
        <source>Mobile</source>
        <translation>手机号码</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>电子邮箱</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Nothing was changed.</source>
        <translation>没有任何更改。</translation>
    </message>
</context>
<context>
    <name>ContactHistory</name>
    <message>
        <source>Show contacts of kind</source>
        <translation>显示的联系类型</translation>
    </message>
    <message>
        <source>All kinds</source>
        <translation>全部类型</translation>
    </message>
    <message>
        <source>Number of contacts shown</source>
        <translation>显示的联系记录数</translation>
    </message>
    <message>
        <source>Contact history</source>
        <translation>联系记录</translation>
    </message>
    <message>
        <source>Selected note (read-only)</source>
        <translation>所选记录（只读）</translation>
    </message>
    <message>
        <source>Amend…</source>
        <translation>补充更正…</translation>
    </message>
    <message>
        <source>Amend the selected note (Ctrl+E)</source>
        <translation>补充更正所选记录（Ctrl+E）</translation>
    </message>
    <message>
        <source>Saved notes cannot be changed; an amendment is added that refers to the original.</source>
        <translation>已保存的记录不可修改；更正将作为新记录添加，并关联原记录。</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>No contacts of this kind. Choose All kinds to see every contact.</source>
        <translation>没有此类型的联系记录。选择“全部类型”可查看所有联系记录。</translation>
    </message>
    <message>
        <source>No contacts logged with this customer yet. Log one with Log contact (Ctrl+N).</source>
        <translation>尚未记录与该客户的联系。可通过“记录联系”（Ctrl+N）记录一条。</translation>
    </message>
    <message numerus="yes">
        <source>%n contact(s) shown</source>
        <translation><numerusform>显示 %n 条联系记录</numerusform></translation>
    </message>
    <message>
        <source>Participants</source>
        <translation>参与人</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Next step</source>
        <translation>下一步</translation>
    </message>
    <message>
        <source>This note amends an earlier one.</source>
        <translation>本记录是对之前一条记录的更正。</translation>
    </message>
    <message>
        <source>This note was amended; see the newer note.</source>
        <translation>本记录已被更正，请查看较新的记录。</translation>
    </message>
</context>
<context>
    <name>ContactModel</name>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>主题</translation>
    </message>
</context>
<context>
    <name>CustomerPage</name>
    <message>
        <source>Customer name</source>
        <translation>客户姓名</translation>
    </message>
    <message>
        <source>Segment, lifecycle and owner</source>
        <translation>客户分层、生命周期及归属客户经理</translation>
    </message>
    <message>
        <source>Assets under management and trend</source>
        <translation>资产管理规模（AUM）及走势</translation>
    </message>
    <message>
        <source>Churn risk</source>
        <translation>流失风险</translation>
    </message>
    <message>
        <source>Why at risk, and what to do</source>
        <translation>风险原因及挽留建议</translation>
    </message>
    <message>
        <source>Churn risk factors</source>
        <translation>流失风险因素</translation>
    </message>
    <message>
        <source>Acknowledge flag</source>
        <translation>确认预警</translation>
    </message>
    <message>
        <source>Acknowledge the churn flag (recorded for the central CRM)</source>
        <translation>确认流失预警（将记录并同步至中心CRM）</translation>
    </message>
    <message>
        <source>Log contact (Ctrl+N)</source>
        <translation>记录联系（Ctrl+N）</translation>
    </message>
    <message>
        <source>Log a contact with this customer (Ctrl+N)</source>
        <translation>记录与该客户的联系（Ctrl+N）</translation>
    </message>
    <message>
        <source>New task</source>
        <translation>新建跟进任务</translation>
    </message>
    <message>
        <source>New follow-up task for this customer</source>
        <translation>为该客户新建跟进任务</translation>
    </message>
    <message>
        <source>Holdings</source>
        <translation>持有产品</translation>
    </message>
    <message>
        <source>Holdings total</source>
        <translation>持有产品合计</translation>
    </message>
    <message>
        <source>AUM and balances, last 24 months</source>
        <translation>近24个月资产管理规模及余额</translation>
    </message>
    <message>
        <source>AUM</source>
        <translation>AUM</translation>
    </message>
    <message>
        <source>Deposits</source>
        <translation>存款</translation>
    </message>
    <message>
        <source>Wealth</source>
        <translation>理财</translation>
    </message>
    <message>
        <source>Loans</source>
        <translation>贷款</translation>
    </message>
    <message>
        <source>¥10,000</source>
        <translation>万元</translation>
    </message>
    <message>
        <source>Transactions per month</source>
        <translation>每月交易笔数</translation>
    </message>
    <message>
        <source>Transactions</source>
        <translation>交易笔数</translation>
    </message>
    <message>
        <source>Leave probability by month (%)</source>
        <translation>各月流失概率（%）</translation>
    </message>
    <message>
        <source>Churn probability by month</source>
        <translation>各月流失概率</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Personal details</source>
        <translation>个人信息</translation>
    </message>
    <message>
        <source>Mobile</source>
        <translation>手机号码</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>证件号码</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>电子邮箱</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Card numbers</source>
        <translation>卡号</translation>
    </message>
    <message>
        <source>Reveal…</source>
        <translation>查看明文…</translation>
    </message>
    <message>
        <source>Reveal %1</source>
        <translation>查看%1明文</translation>
    </message>
    <message>
        <source>Edit contact…</source>
        <translation>编辑联系方式…</translation>
    </message>
    <message>
        <source>Edit the customer's mobile, e-mail and tags</source>
        <translation>编辑客户的手机号码、电子邮箱和标签</translation>
    </message>
    <message>
        <source>Request a change…</source>
        <translation>申请变更…</translation>
    </message>
    <message>
        <source>Request a change to a regulated field (reviewed by the bank)</source>
        <translation>申请变更受监管字段（由银行审核）</translation>
    </message>
    <message>
        <source>Result of the last edit</source>
        <translation>上次编辑的结果</translation>
    </message>
    <message>
        <source>Open tasks</source>
        <translation>未完成的跟进任务</translation>
    </message>
    <message>
        <source>Customer sections</source>
        <translation>客户信息分页</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>概览</translation>
    </message>
    <message>
        <source>Contact history</source>
        <translation>联系记录</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message numerus="yes">
        <source>%n product(s), assets %1</source>
        <translation><numerusform>%n 个产品，资产 %1</numerusform></translation>
    </message>
    <message>
        <source>Tags: %1</source>
        <translation>标签：%1</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Shows the full value; recorded in the audit log.</source>
        <translation>显示完整信息；该操作将记入审计日志。</translation>
    </message>
    <message>
        <source>Your role does not allow revealing personal data.</source>
        <translation>您的角色无权查看个人信息明文。</translation>
    </message>
    <message>
        <source>AUM %1</source>
        <translation>AUM %1</translation>
    </message>
    <message>
        <source>%1 %2% over 3 months</source>
        <translation>近3个月 %1 %2%</translation>
    </message>
    <message>
        <source>No risk factors</source>
        <translation>无流失风险因素</translation>
    </message>
    <message>
        <source>Low churn risk: no action needed</source>
        <translation>流失风险低，无需处理</translation>
    </message>
    <message>
        <source>Not scored</source>
        <translation>未评分</translation>
    </message>
    <message>
        <source>Model %1, scored %2</source>
        <translation>模型 %1，评分时间 %2</translation>
    </message>
    <message>
        <source>Leave probability in %1: %2</source>
        <translation>%1 流失概率：%2</translation>
    </message>
    <message>
        <source>Not scored yet.</source>
        <translation>尚未评分。</translation>
    </message>
    <message>
        <source>Contact details saved; they sync with the next sync.</source>
        <translation>联系方式已保存，将在下次同步时上传。</translation>
    </message>
    <message>
        <source>Change requested; the bank reviews it before the record changes.</source>
        <translation>变更申请已提交；银行审核通过后客户资料才会更改。</translation>
    </message>
    <message>
        <source>Churn reason %1</source>
        <translation>流失原因 %1</translation>
    </message>
    <message>
        <source>Leave probability</source>
        <translation>流失概率</translation>
    </message>
    <message>
        <source>%1 · CRM stage %2 · owner %3 · customer since %4</source>
        <translation>%1 · CRM阶段 %2 · 客户经理 %3 · %4 起成为客户</translation>
    </message>
    <message>
        <source>Create task: %1</source>
        <translation>创建任务：%1</translation>
    </message>
    <message>
        <source>Create a retention task: %1</source>
        <translation>创建挽留任务：%1</translation>
    </message>
</context>
<context>
    <name>CustomerPicker</name>
    <message>
        <source>Name, pinyin, initials or CIF</source>
        <translation>姓名、拼音、首字母或客户号</translation>
    </message>
    <message>
        <source>Find the customer</source>
        <translation>查找客户</translation>
    </message>
    <message>
        <source>Customer found</source>
        <translation>找到的客户</translation>
    </message>
</context>
<context>
    <name>DeskController</name>
    <message>
        <source>Demo bank: sign in as %1 with password %2. To see the Team page, add the profile mgr001 with password demo-mgr001.</source>
        <translation>演示银行：请以 %1 登录，密码 %2。如需查看团队页面，请添加用户档案 mgr001，密码 demo-mgr001。</translation>
    </message>
    <message>
        <source>Demo mode: generated customers</source>
        <translation>演示模式：客户数据为生成数据</translation>
    </message>
</context>
<context>
    <name>DraftListModel</name>
    <message>
        <source>Last saved</source>
        <translation>最后保存时间</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Subject or text</source>
        <translation>主题或内容</translation>
    </message>
</context>
<context>
    <name>DraftsDialog</name>
    <message>
        <source>Unfinished notes</source>
        <translation>未完成的记录</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续编辑</translation>
    </message>
    <message>
        <source>Resume the selected note</source>
        <translation>继续编辑所选记录</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Close the list</source>
        <translation>关闭列表</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>The password is not correct.</source>
        <translation>密码不正确。</translation>
    </message>
    <message>
        <source>The password is not correct. Attempts left before the profile is locked: {attempts}.</source>
        <translation>密码不正确。再错 {attempts} 次，此用户档案将被锁定。</translation>
    </message>
    <message>
        <source>Too many wrong passwords: this profile is locked until {until}.</source>
        <translation>密码错误次数过多：此用户档案已锁定至 {until}。</translation>
    </message>
    <message>
        <source>This profile has not been online for more than {hours} hours (or the computer's clock was set back), so it can only be unlocked with an online sign-in: connect to the bank's network and sign in again.</source>
        <translation>此用户档案已超过 {hours} 小时未联网（或本机时钟被调回），只能联网登录后解锁：请连接银行网络后重新登录。</translation>
    </message>
    <message>
        <source>Please wait until {until} before trying the password again.</source>
        <translation>请等到 {until} 之后再尝试输入密码。</translation>
    </message>
    <message>
        <source>This profile's key protection is weaker than allowed; it was refused. Ask IT to set up the profile again.</source>
        <translation>此用户档案的密钥保护强度低于要求，已拒绝打开。请联系IT重新配置此档案。</translation>
    </message>
    <message>
        <source>There is no profile for user {user} on this computer.</source>
        <translation>本机上没有用户 {user} 的用户档案。</translation>
    </message>
    <message>
        <source>A profile for user {user} already exists on this computer.</source>
        <translation>本机上已存在用户 {user} 的用户档案。</translation>
    </message>
    <message>
        <source>The list of profiles {path} is damaged. Contact IT; nothing was changed.</source>
        <translation>用户档案列表 {path} 已损坏。请联系IT；未做任何更改。</translation>
    </message>
    <message>
        <source>The operating system's credential store is not available, and the policy requires it. Contact IT.</source>
        <translation>操作系统的凭据存储不可用，而策略要求使用它。请联系IT。</translation>
    </message>
    <message>
        <source>This profile's secret is missing from the operating system's credential store, so the profile cannot be unlocked on this computer. Contact IT.</source>
        <translation>操作系统的凭据存储中缺少此用户档案的密钥，因此无法在本机解锁此档案。请联系IT。</translation>
    </message>
    <message>
        <source>The profile is locked. Unlock it to continue.</source>
        <translation>用户档案已锁定，请解锁后继续。</translation>
    </message>
    <message>
        <source>The local database {path} cannot be read (it is damaged or not an RM Desk file). Nothing was changed; contact IT to restore it from the central CRM.</source>
        <translation>无法读取本地数据库 {path}（文件已损坏或不是 RM Desk 的文件）。未做任何更改；请联系IT从中心CRM恢复。</translation>
    </message>
    <message>
        <source>This profile's data on this computer ({path}) is damaged. Repair it: unsynced notes and drafts that can still be read are kept, the rest is downloaded again from the central CRM (this needs the bank's network).</source>
        <translation>本机上此用户档案的数据（{path}）已损坏，请进行修复：仍可读取的未同步记录和草稿会被保留，其余数据将从中心CRM重新下载（需要连接银行网络）。</translation>
    </message>
    <message>
        <source>This profile ({path}) is open in another RM Desk window or program (process {pid}); lock or close it there first. Nothing was changed.</source>
        <translation>此用户档案（{path}）正在另一个 RM Desk 窗口或程序中打开（进程 {pid}）；请先在那里锁定或关闭。未做任何更改。</translation>
    </message>
    <message>
        <source>The database {path} was written by a newer RM Desk (schema {found}, this version knows up to {newest}). Update RM Desk to open it.</source>
        <translation>数据库 {path} 由更新版本的 RM Desk 写入（结构版本 {found}，此版本最高支持 {newest}）。请更新 RM Desk 后再打开。</translation>
    </message>
    <message>
        <source>The disk holding {path} is full; nothing was changed. Free some space, then try again.</source>
        <translation>存放 {path} 的磁盘已满，未做任何更改。请释放一些空间后重试。</translation>
    </message>
    <message>
        <source>The disk holding {path} reported a read or write error; nothing was saved from the last action. Check the disk and try again.</source>
        <translation>存放 {path} 的磁盘报告了读写错误；上一步操作未保存任何内容。请检查磁盘后重试。</translation>
    </message>
    <message>
        <source>The database {path} is read-only; nothing was saved.</source>
        <translation>数据库 {path} 为只读，未保存任何内容。</translation>
    </message>
    <message>
        <source>The database {path} is in use by another program; try again shortly.</source>
        <translation>数据库 {path} 正被其他程序使用，请稍后重试。</translation>
    </message>
    <message>
        <source>The database {path} cannot be opened (check the folder exists and is yours); nothing was changed.</source>
        <translation>无法打开数据库 {path}（请检查文件夹是否存在且属于您）；未做任何更改。</translation>
    </message>
    <message>
        <source>The database {path} cannot be created (check the folder exists and is yours); nothing was changed.</source>
        <translation>无法创建数据库 {path}（请检查文件夹是否存在且属于您）；未做任何更改。</translation>
    </message>
    <message>
        <source>The computer ran out of memory; nothing was saved.</source>
        <translation>计算机内存不足，未保存任何内容。</translation>
    </message>
    <message>
        <source>This record ({key}) is no longer in this profile.</source>
        <translation>此记录（{key}）已不在此用户档案中。</translation>
    </message>
    <message>
        <source>{path} cannot be written (the folder does not exist, is not writable, or the name is a folder); nothing was saved. Choose another place.</source>
        <translation>无法写入 {path}（文件夹不存在、不可写，或该名称是一个文件夹），未保存任何内容。请选择其他位置。</translation>
    </message>
    <message>
        <source>The disk holding {path} is full; nothing was saved. Free some space or choose another place.</source>
        <translation>存放 {path} 的磁盘已满，未保存任何内容。请释放一些空间或选择其他位置。</translation>
    </message>
    <message>
        <source>The data to load refers to {count} customer(s) that are not part of it; nothing of that batch was stored.</source>
        <translation>要导入的数据引用了 {count} 位不在其中的客户；该批数据均未保存。</translation>
    </message>
    <message>
        <source>The central CRM cannot be reached. Your changes are kept and will sync when the connection is back.</source>
        <translation>无法连接中心CRM。您的更改已保留，恢复连接后会自动同步。</translation>
    </message>
    <message>
        <source>The secure connection to the central CRM failed. Your changes are kept; contact IT.</source>
        <translation>与中心CRM的安全连接失败。您的更改已保留；请联系IT。</translation>
    </message>
    <message>
        <source>The central CRM answered with an error (HTTP {status}). Your changes are kept and sync will be retried.</source>
        <translation>中心CRM返回错误（状态码 {status}）。您的更改已保留，稍后将重试同步。</translation>
    </message>
    <message>
        <source>Your session with the central CRM has ended. Lock and unlock RM Desk with your current password, then sync again.</source>
        <translation>您与中心CRM的会话已结束。请用当前密码锁定并重新解锁 RM Desk，然后再次同步。</translation>
    </message>
    <message>
        <source>The central CRM did not accept the user name or password.</source>
        <translation>中心CRM未接受该用户名或密码。</translation>
    </message>
    <message>
        <source>Too many failed sign-ins to the central CRM. Try again in {minutes} minute(s).</source>
        <translation>登录中心CRM失败次数过多。请在 {minutes} 分钟后重试。</translation>
    </message>
    <message>
        <source>The central CRM address {server} is not secure (http://); RM Desk only connects to https:// addresses. Use the https:// address, or ask IT.</source>
        <translation>中心CRM地址 {server} 使用未加密的连接，不安全；RM Desk 只连接加密地址。请改用加密地址，或联系IT部门。</translation>
    </message>
    <message>
        <source>This computer's access was revoked by the bank; its local copy of customer data has been removed.</source>
        <translation>银行已撤销本机的访问权限，本机上的客户数据副本已被清除。</translation>
    </message>
    <message>
        <source>This version of RM Desk is no longer supported by the central CRM. Your changes are kept; please update RM Desk.</source>
        <translation>中心CRM已不再支持此版本的 RM Desk。您的更改已保留；请更新 RM Desk。</translation>
    </message>
    <message>
        <source>The central CRM asks this computer to download your book again. Your changes are kept.</source>
        <translation>中心CRM要求本机重新下载您的客户名单。您的更改已保留。</translation>
    </message>
    <message>
        <source>The central CRM's copy of your book has {incoming} customers against {replica} on this computer and records no change of your access, so it was not applied. Nothing here was changed and your changes are kept. Contact IT.</source>
        <translation>中心CRM上您的客户名单只有 {incoming} 位客户，而本机有 {replica} 位，且中心CRM没有记录您的权限变更，因此未予采用。本机数据未作任何改动，您的更改已保留。请联系IT部门。</translation>
    </message>
    <message>
        <source>The central CRM is missing earlier changes from this computer; your changes are kept. Contact IT.</source>
        <translation>中心CRM缺少本机较早提交的更改；您的更改已保留。请联系IT。</translation>
    </message>
    <message>
        <source>The central CRM sent data this version cannot read; nothing was changed.</source>
        <translation>中心CRM发送了此版本无法读取的数据；未做任何更改。</translation>
    </message>
    <message>
        <source>The central CRM refused this request.</source>
        <translation>中心CRM拒绝了此请求。</translation>
    </message>
    <message>
        <source>The central CRM refused this computer's audit log: it does not continue the copy the CRM holds. Your work is kept. Contact IT.</source>
        <translation>中心CRM拒绝了本机的审计日志：它与中心CRM保存的副本不能衔接。您的工作已保留。请联系IT部门。</translation>
    </message>
    <message>
        <source>Repair needs the central CRM, which cannot be reached now. Nothing was changed; connect to the bank's network and repair again.</source>
        <translation>修复需要连接中心CRM，但现在无法连接。未做任何更改；请连接银行网络后再修复。</translation>
    </message>
    <message>
        <source>Your role does not allow this.</source>
        <translation>您的角色无权执行此操作。</translation>
    </message>
    <message>
        <source>A reason is required to reveal personal data.</source>
        <translation>查看完整的个人信息需要填写理由。</translation>
    </message>
    <message>
        <source>A saved filter needs a name.</source>
        <translation>保存的筛选条件需要一个名称。</translation>
    </message>
    <message>
        <source>A saved filter cannot be read (it may come from another version of RM Desk); nothing was changed.</source>
        <translation>一个已保存的筛选条件无法读取（可能来自其他版本的 RM Desk），未作任何更改。</translation>
    </message>
    <message>
        <source>Regulated fields change only through a change request.</source>
        <translation>受监管的字段只能通过变更申请修改。</translation>
    </message>
    <message>
        <source>These fields cannot be edited: {fields}.</source>
        <translation>以下字段不可编辑：{fields}。</translation>
    </message>
    <message>
        <source>{field} is not a regulated field.</source>
        <translation>{field} 不是受监管的字段。</translation>
    </message>
    <message>
        <source>The central CRM would not accept the value of {field}; nothing was saved.</source>
        <translation>中心CRM 不接受“{field}”的值，未保存任何内容。</translation>
    </message>
    <message>
        <source>This is not a mainland China mobile number.</source>
        <translation>这不是中国大陆的手机号码。</translation>
    </message>
    <message>
        <source>A task needs a title.</source>
        <translation>任务需要标题。</translation>
    </message>
    <message>
        <source>These task fields cannot be edited: {fields}.</source>
        <translation>以下任务字段不可编辑：{fields}。</translation>
    </message>
    <message>
        <source>A {status} task cannot become {new_status}.</source>
        <translation>“{status}”的任务不能变为“{new_status}”。</translation>
    </message>
    <message>
        <source>Say how the follow-up ended before completing it.</source>
        <translation>完成跟进前，请说明跟进的结果。</translation>
    </message>
    <message>
        <source>This customer has no relationship manager to hand over to.</source>
        <translation>此客户没有可移交的客户经理。</translation>
    </message>
    <message>
        <source>{assignee} is not a member of this team.</source>
        <translation>{assignee} 不是本团队的成员。</translation>
    </message>
    <message>
        <source>A follow-up can only be snoozed to a later day than today.</source>
        <translation>跟进任务只能推迟到今天以后的日期。</translation>
    </message>
    <message>
        <source>Only the follow-up's assignee, the person who created it or a manager may change it.</source>
        <translation>只有跟进任务的负责人、创建人或主管可以修改它。</translation>
    </message>
    <message>
        <source>A note needs a subject or some text.</source>
        <translation>记录需要主题或内容。</translation>
    </message>
    <message>
        <source>A note can hold at most {limit} characters.</source>
        <translation>一条记录最多 {limit} 个字符。</translation>
    </message>
    <message>
        <source>The contact time needs a time zone.</source>
        <translation>联系时间需要包含时区。</translation>
    </message>
    <message>
        <source>A follow-up date needs a next step.</source>
        <translation>设置跟进日期时需要填写下一步计划。</translation>
    </message>
    <message>
        <source>An amendment must be about the same customer.</source>
        <translation>补充记录必须针对同一位客户。</translation>
    </message>
    <message>
        <source>A note on a churn flag can hold at most {limit} characters.</source>
        <translation>流失预警的备注最多 {limit} 个字符。</translation>
    </message>
    <message>
        <source>This customer has no churn flag to act on.</source>
        <translation>此客户没有可处理的流失预警。</translation>
    </message>
    <message>
        <source>This conflict is already resolved.</source>
        <translation>此冲突已经解决。</translation>
    </message>
    <message>
        <source>The record is no longer in your book.</source>
        <translation>此记录已不在您的客户名单中。</translation>
    </message>
</context>
<context>
    <name>ExportAction</name>
    <message>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <source>Export this list to a CSV or Excel file</source>
        <translation>将此列表导出为 CSV 或 Excel 文件</translation>
    </message>
    <message>
        <source>CSV, UTF-8 (*.csv)</source>
        <translation>CSV，UTF-8 编码 (*.csv)</translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <source>Export %1</source>
        <translation>导出%1</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Personal fields: none in this list</source>
        <translation>个人信息字段：此列表不含</translation>
    </message>
    <message>
        <source>Personal fields (mobile, e-mail): masked</source>
        <translation>个人信息字段（手机号码、电子邮箱）：已脱敏</translation>
    </message>
    <message>
        <source>Personal fields (mobile, e-mail): in full, not masked</source>
        <translation>个人信息字段（手机号码、电子邮箱）：完整显示，未脱敏</translation>
    </message>
    <message>
        <source>CSV (UTF-8)</source>
        <translation>CSV（UTF-8）</translation>
    </message>
    <message>
        <source>Excel workbook</source>
        <translation>Excel 工作簿</translation>
    </message>
    <message>
        <source>This will take the following out of RM Desk:</source>
        <translation>以下内容将被导出到 RM Desk 之外：</translation>
    </message>
    <message>
        <source>List: %1</source>
        <translation>列表：%1</translation>
    </message>
    <message>
        <source>Rows: %1</source>
        <translation>行数：%1</translation>
    </message>
    <message>
        <source>Format: %1</source>
        <translation>格式：%1</translation>
    </message>
    <message>
        <source>File: %1</source>
        <translation>文件：%1</translation>
    </message>
    <message>
        <source>The file is not encrypted. The export is recorded in the audit log.</source>
        <translation>导出的文件未加密。本次导出将记入审计日志。</translation>
    </message>
    <message>
        <source>Exporting %1…</source>
        <translation>正在导出%1…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Exported %1 rows to %2</source>
        <translation>已导出 %1 行到 %2</translation>
    </message>
    <message>
        <source>Export cancelled; no file written</source>
        <translation>导出已取消，未写入任何文件</translation>
    </message>
</context>
<context>
    <name>HoldingsModel</name>
    <message>
        <source>Type</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Product</source>
        <translation>产品</translation>
    </message>
    <message>
        <source>Balance</source>
        <translation>余额</translation>
    </message>
    <message>
        <source>Rate</source>
        <translation>利率</translation>
    </message>
    <message>
        <source>Opened</source>
        <translation>开立日期</translation>
    </message>
    <message>
        <source>Matures</source>
        <translation>到期日</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>账号</translation>
    </message>
    <message numerus="yes">
        <source>Matures in %n day(s)</source>
        <translation><numerusform>%n 天后到期</numerusform></translation>
    </message>
</context>
<context>
    <name>LoginWindow</name>
    <message>
        <source>RM Desk — sign in</source>
        <translation>RM Desk — 登录</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>RM Desk</source>
        <translation>RM Desk 客户经理工作台</translation>
    </message>
    <message>
        <source>Your customers, offline and encrypted.</source>
        <translation>您的客户，离线可用，加密保存。</translation>
    </message>
    <message>
        <source>Profiles on this computer</source>
        <translation>本机上的用户档案</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
    <message>
        <source>Unlock the profile</source>
        <translation>解锁用户档案</translation>
    </message>
    <message>
        <source>Add profile…</source>
        <translation>添加用户档案…</translation>
    </message>
    <message>
        <source>Add a profile</source>
        <translation>添加用户档案</translation>
    </message>
    <message>
        <source>中文 / English</source>
        <translation>中文 / English</translation>
    </message>
    <message>
        <source>Switch language</source>
        <translation>切换语言</translation>
    </message>
    <message>
        <source>Sign-in message</source>
        <translation>登录提示</translation>
    </message>
    <message>
        <source>Lockout countdown</source>
        <translation>锁定倒计时</translation>
    </message>
    <message>
        <source>Repair</source>
        <translation>修复</translation>
    </message>
    <message>
        <source>Repair the damaged profile</source>
        <translation>修复已损坏的用户档案</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Open the repaired profile</source>
        <translation>打开修复后的用户档案</translation>
    </message>
    <message>
        <source>Repair progress</source>
        <translation>修复进度</translation>
    </message>
    <message>
        <source>Profile</source>
        <translation>用户档案</translation>
    </message>
    <message>
        <source>No profile on this computer yet: add one to sign in.</source>
        <translation>本机尚无用户档案：请先添加一个再登录。</translation>
    </message>
    <message numerus="yes">
        <source>Wait %n second(s) before trying again.</source>
        <translation><numerusform>请等待 %n 秒后重试。</numerusform></translation>
    </message>
    <message>
        <source>Wait %1 before trying again.</source>
        <translation>请等待 %1后重试。</translation>
    </message>
    <message>
        <source>Locked after too many wrong passwords: try again in %1 (at %2).</source>
        <translation>密码错误次数过多，已锁定：请在 %1后重试（%2）。</translation>
    </message>
    <message>
        <source>Type your password.</source>
        <translation>请输入密码。</translation>
    </message>
    <message>
        <source>Unlocking…</source>
        <translation>正在解锁…</translation>
    </message>
    <message>
        <source>Updating this profile's data for the new version of RM Desk (once; a large book takes a minute)…</source>
        <translation>正在为新版 RM Desk 升级此用户档案的数据（仅此一次；客户较多时约需一分钟）…</translation>
    </message>
    <message>
        <source>RM Desk did not close properly last time: checking this profile's data for damage (a large book takes a few seconds)…</source>
        <translation>RM Desk 上次未正常关闭：正在检查此用户档案的数据是否损坏（客户较多时需要几秒钟）…</translation>
    </message>
    <message>
        <source>The disk is full, so the profile cannot be unlocked; your password was not checked and nothing was changed. Free some space, then try again.</source>
        <translation>磁盘已满，无法解锁用户档案；未校验您的密码，也未做任何更改。请释放一些空间后重试。</translation>
    </message>
    <message>
        <source>Repaired. Rescued %1 (%2 were already on the central CRM, %3 sent now) and %4; the book was downloaded again.</source>
        <translation>修复完成。抢救出 %1（其中 %2 条中心CRM已有，%3 条刚刚发送）和 %4；客户数据已重新下载。</translation>
    </message>
    <message numerus="yes">
        <source>%n unsynced change(s)</source>
        <translation><numerusform>%n 条未同步的修改</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n draft(s)</source>
        <translation><numerusform>%n 份草稿</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n change(s) wait for the next sync.</source>
        <translation><numerusform>%n 条修改将在下次同步时发送。</numerusform></translation>
    </message>
    <message>
        <source>Repairing: rescuing what can be read…</source>
        <translation>正在修复：抢救仍可读取的数据…</translation>
    </message>
    <message>
        <source>Repairing: downloading your book again…</source>
        <translation>正在修复：重新下载您的客户…</translation>
    </message>
    <message>
        <source>Repairing: sending the rescued changes…</source>
        <translation>正在修复：发送抢救出的修改…</translation>
    </message>
    <message>
        <source>Repairing: fetching the latest changes…</source>
        <translation>正在修复：获取最新的修改…</translation>
    </message>
    <message>
        <source>the whole damaged file (any unsynced change or draft in it)</source>
        <translation>整个损坏文件（其中所有未同步的修改和草稿）</translation>
    </message>
    <message>
        <source>unsynced changes %1</source>
        <translation>未同步的修改 %1</translation>
    </message>
    <message>
        <source>possibly changes after the last readable one</source>
        <translation>最后一条可读修改之后可能还有修改</translation>
    </message>
    <message>
        <source>some drafts</source>
        <translation>部分草稿</translation>
    </message>
    <message>
        <source>Could not be read: %1.</source>
        <translation>无法读取：%1。</translation>
    </message>
    <message>
        <source>Nothing was lost.</source>
        <translation>没有丢失任何数据。</translation>
    </message>
    <message>
        <source>The damaged file is kept for IT support as %1.</source>
        <translation>损坏的文件已保留为 %1，供IT支持分析。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>RM Desk — %1 (%2)</source>
        <translation>RM Desk — %1（%2）</translation>
    </message>
    <message>
        <source>RM Desk main window</source>
        <translation>RM Desk 主窗口</translation>
    </message>
    <message>
        <source>Navigation</source>
        <translation>导航</translation>
    </message>
    <message>
        <source>My book</source>
        <translation>我的客户</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今日</translation>
    </message>
    <message>
        <source>Tasks</source>
        <translation>跟进任务</translation>
    </message>
    <message>
        <source>Churn watchlist</source>
        <translation>流失预警名单</translation>
    </message>
    <message>
        <source>Team</source>
        <translation>团队</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>同步</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Ctrl+%1</source>
        <translation>Ctrl+%1</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>主工具栏</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>Log contact</source>
        <translation>记录联系</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>锁定</translation>
    </message>
    <message>
        <source>中文 / English</source>
        <translation>中文 / English</translation>
    </message>
    <message>
        <source>Connection</source>
        <translation>连接状态</translation>
    </message>
    <message>
        <source>Last sync</source>
        <translation>上次同步</translation>
    </message>
    <message>
        <source>Changes waiting to be sent</source>
        <translation>待发送的更改</translation>
    </message>
    <message>
        <source>Open conflicts</source>
        <translation>未解决的冲突</translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>正在同步…</translation>
    </message>
    <message>
        <source>RM Desk</source>
        <translation>RM Desk</translation>
    </message>
    <message>
        <source>This profile is not connected to a central CRM.</source>
        <translation>此用户档案未连接中心CRM。</translation>
    </message>
    <message>
        <source>● Local only</source>
        <translation>● 仅本地</translation>
    </message>
    <message>
        <source>● Checking connection…</source>
        <translation>● 正在检查连接…</translation>
    </message>
    <message>
        <source>● Online</source>
        <translation>● 在线</translation>
    </message>
    <message>
        <source>● Offline: changes are kept</source>
        <translation>● 离线：更改已保留</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <source>Last sync: %1</source>
        <translation>上次同步：%1</translation>
    </message>
    <message numerus="yes">
        <source>%n change(s) pending</source>
        <translation><numerusform>%n 项更改待发送</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n conflict(s)</source>
        <translation><numerusform>%n 个冲突</numerusform></translation>
    </message>
    <message>
        <source>Synced: %1 received, %2 sent, %3, %4 returned</source>
        <translation>同步完成：收到 %1 条，发送 %2 条，%3，退回 %4 条</translation>
    </message>
    <message>
        <source>Sign in to the central CRM</source>
        <translation>登录中心CRM</translation>
    </message>
    <message>
        <source>Your sign-in has expired. Password:</source>
        <translation>登录已过期。请输入密码：</translation>
    </message>
    <message>
        <source>Access revoked</source>
        <translation>访问已被撤销</translation>
    </message>
    <message>
        <source>This computer's access was revoked by the bank; its local copy of customer data has been removed.</source>
        <translation>银行已撤销本机的访问权限，本机上的客户数据副本已被清除。</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <source>Choose Repair on the sign-in screen (lock RM Desk first if it is open).</source>
        <translation>请在登录界面选择“修复”（如 RM Desk 已打开，请先锁定）。</translation>
    </message>
    <message>
        <source>Please check the form: %1</source>
        <translation>请检查填写内容：%1</translation>
    </message>
    <message>
        <source>Something went wrong; nothing was lost. The details are in the log file.</source>
        <translation>出现问题，但没有丢失任何内容。详细信息已写入日志文件。</translation>
    </message>
</context>
<context>
    <name>NoteEditor</name>
    <message>
        <source>Amend contact note</source>
        <translation>更正联系记录</translation>
    </message>
    <message>
        <source>Log contact</source>
        <translation>记录联系</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Name, pinyin, initials or CIF</source>
        <translation>姓名、拼音、首字母或客户号</translation>
    </message>
    <message>
        <source>Find the customer</source>
        <translation>查找客户</translation>
    </message>
    <message>
        <source>Customer found</source>
        <translation>找到的客户</translation>
    </message>
    <message>
        <source>Kind of contact</source>
        <translation>联系类型</translation>
    </message>
    <message>
        <source>Time of the contact</source>
        <translation>联系时间</translation>
    </message>
    <message>
        <source>Names, separated by commas</source>
        <translation>姓名，以逗号分隔</translation>
    </message>
    <message>
        <source>Participants</source>
        <translation>参与人</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>主题</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>记录内容</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Next step</source>
        <translation>下一步</translation>
    </message>
    <message>
        <source>Create a follow-up task</source>
        <translation>创建跟进任务</translation>
    </message>
    <message>
        <source>Create a follow-up task from the next step</source>
        <translation>根据下一步创建跟进任务</translation>
    </message>
    <message>
        <source>Follow-up due date</source>
        <translation>跟进截止日期</translation>
    </message>
    <message>
        <source>Editor status</source>
        <translation>编辑状态</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Save the note (Ctrl+S)</source>
        <translation>保存记录（Ctrl+S）</translation>
    </message>
    <message>
        <source>Keep as draft</source>
        <translation>存为草稿</translation>
    </message>
    <message>
        <source>Close and keep the draft (Esc)</source>
        <translation>关闭并保留草稿（Esc）</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>放弃</translation>
    </message>
    <message>
        <source>Discard this note and its draft</source>
        <translation>放弃本记录及其草稿</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>The saved note stays in the history; this amendment refers to it.</source>
        <translation>原记录保留在联系记录中；本更正将关联原记录。</translation>
    </message>
    <message>
        <source>This draft no longer exists (it was saved or discarded).</source>
        <translation>该草稿已不存在（已保存或已放弃）。</translation>
    </message>
    <message>
        <source>Draft restored (last saved %1).</source>
        <translation>草稿已恢复（最后保存于 %1）。</translation>
    </message>
    <message>
        <source>Draft saved at %1.</source>
        <translation>草稿已于 %1 保存。</translation>
    </message>
    <message>
        <source>Spouse</source>
        <translation>配偶</translation>
    </message>
    <message>
        <source>Term deposit maturing next month</source>
        <translation>定期存款下月到期</translation>
    </message>
    <message>
        <source>Visited at home. The 500,000 term deposit matures on the 15th; the customer compares our rate with another bank. Interested in a large-denomination certificate of deposit and a low-risk wealth product.</source>
        <translation>上门拜访。客户50万元定期存款将于15日到期，正在比较我行与他行利率。对大额存单和低风险理财产品有兴趣。</translation>
    </message>
    <message>
        <source>Interested; wants the rate sheet</source>
        <translation>有意向，需要利率表</translation>
    </message>
    <message>
        <source>Send the CD rate sheet and call back</source>
        <translation>发送大额存单利率表并回电</translation>
    </message>
    <message>
        <source>Choose the customer first.</source>
        <translation>请先选择客户。</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
</context>
<context>
    <name>OutcomeDialog</name>
    <message>
        <source>Complete task</source>
        <translation>完成任务</translation>
    </message>
    <message>
        <source>Outcome of the follow-up</source>
        <translation>跟进结果</translation>
    </message>
    <message>
        <source>What happened? e.g. customer renewed the deposit</source>
        <translation>结果如何？例如：客户已续存</translation>
    </message>
    <message>
        <source>Problem with the form</source>
        <translation>表单问题</translation>
    </message>
    <message>
        <source>Say how the follow-up ended before completing it.</source>
        <translation>请先填写跟进结果再完成任务。</translation>
    </message>
</context>
<context>
    <name>ReassignDialog</name>
    <message>
        <source>Reassign follow-up</source>
        <translation>改派跟进任务</translation>
    </message>
    <message>
        <source>New assignee</source>
        <translation>新的负责人</translation>
    </message>
    <message>
        <source>Follow-up</source>
        <translation>跟进任务</translation>
    </message>
    <message>
        <source>Now with</source>
        <translation>当前负责人</translation>
    </message>
    <message>
        <source>Give to</source>
        <translation>改派给</translation>
    </message>
</context>
<context>
    <name>ReminderNotifier</name>
    <message numerus="yes">
        <source>RM Desk: %n follow-up(s) due today or overdue this week</source>
        <translation><numerusform>RM Desk：%n 项跟进任务今日到期或本周已逾期</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>…and %n more</source>
        <translation><numerusform>……另有 %n 项</numerusform></translation>
    </message>
</context>
<context>
    <name>Returned</name>
    <message>
        <source>%1 is a regulated field; it changes only through a change request.</source>
        <translation>%1是受监管字段，只能通过变更申请修改。</translation>
    </message>
    <message>
        <source>%1 cannot be changed from RM Desk.</source>
        <translation>%1不能在 RM Desk 中修改。</translation>
    </message>
    <message>
        <source>%1 is not a regulated field; edit it directly instead.</source>
        <translation>%1不是受监管字段，请直接编辑。</translation>
    </message>
    <message>
        <source>The central CRM did not accept the value of %1.</source>
        <translation>中心CRM不接受%1的值。</translation>
    </message>
    <message>
        <source>An administrator's account holds no customer data.</source>
        <translation>管理员账户不含客户数据。</translation>
    </message>
    <message>
        <source>This customer is not in your book at the central CRM.</source>
        <translation>在中心CRM中，该客户不在您的名下。</translation>
    </message>
    <message>
        <source>The central CRM does not take this kind of change.</source>
        <translation>中心CRM不接受此类更改。</translation>
    </message>
    <message>
        <source>The central CRM did not accept these values.</source>
        <translation>中心CRM不接受这些值。</translation>
    </message>
    <message>
        <source>The central CRM could not store this data.</source>
        <translation>中心CRM无法保存这些数据。</translation>
    </message>
    <message>
        <source>This task is not in the central CRM.</source>
        <translation>中心CRM中没有此任务。</translation>
    </message>
    <message>
        <source>This task was deleted meanwhile.</source>
        <translation>此任务已在此期间被删除。</translation>
    </message>
    <message>
        <source>The task cannot be assigned to that person.</source>
        <translation>此任务不能分配给该人员。</translation>
    </message>
    <message>
        <source>You may not change or delete this follow-up.</source>
        <translation>您不能修改或删除此跟进任务。</translation>
    </message>
    <message>
        <source>Your role may not edit customer details.</source>
        <translation>您的角色不能编辑客户资料。</translation>
    </message>
    <message>
        <source>A regulated field changes only through a change request.</source>
        <translation>受监管字段只能通过变更申请修改。</translation>
    </message>
    <message>
        <source>This field cannot be changed from RM Desk.</source>
        <translation>此字段不能在 RM Desk 中修改。</translation>
    </message>
    <message>
        <source>Your role may not request changes to customer details.</source>
        <translation>您的角色不能申请变更客户资料。</translation>
    </message>
    <message>
        <source>This field is not regulated; edit it directly instead.</source>
        <translation>此字段不受监管，请直接编辑。</translation>
    </message>
    <message>
        <source>Your role may not record this kind of contact.</source>
        <translation>您的角色不能记录此类联系。</translation>
    </message>
    <message>
        <source>The note this one corrects is not at the central CRM for this customer.</source>
        <translation>中心CRM中没有该客户的被更正记录。</translation>
    </message>
    <message>
        <source>The customer is no longer in your book.</source>
        <translation>该客户已不在您的名下。</translation>
    </message>
    <message>
        <source>The customer was no longer in your book when it was downloaded again.</source>
        <translation>重新下载时，该客户已不在您的名下。</translation>
    </message>
    <message>
        <source>The central CRM did not take this change (%1).</source>
        <translation>中心CRM未接受此更改（%1）。</translation>
    </message>
</context>
<context>
    <name>ReturnedModel</name>
    <message>
        <source>Record</source>
        <translation>记录</translation>
    </message>
    <message>
        <source>What</source>
        <translation>内容</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Returned</source>
        <translation>退回时间</translation>
    </message>
</context>
<context>
    <name>RevealDialog</name>
    <message>
        <source>Reveal personal data</source>
        <translation>查看个人信息明文</translation>
    </message>
    <message>
        <source>Reason for revealing</source>
        <translation>查看原因</translation>
    </message>
    <message>
        <source>Choose a reason</source>
        <translation>请选择原因</translation>
    </message>
    <message>
        <source>Customer request (identity verified in person)</source>
        <translation>客户本人要求（已当面核实身份）</translation>
    </message>
    <message>
        <source>Serving a customer request</source>
        <translation>办理客户业务</translation>
    </message>
    <message>
        <source>Compliance or risk check</source>
        <translation>合规或风险检查</translation>
    </message>
    <message>
        <source>Correcting the customer's data</source>
        <translation>更正客户资料</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>Revealing is recorded in the audit log with your reason.</source>
        <translation>查看明文的操作及原因将记入审计日志。</translation>
    </message>
</context>
<context>
    <name>SearchBox</name>
    <message>
        <source>Search customers: name, pinyin, initials, CIF, phone… (Ctrl+K)</source>
        <translation>搜索客户：姓名、拼音、首字母、客户号、手机尾号…（Ctrl+K）</translation>
    </message>
    <message>
        <source>Search customers</source>
        <translation>搜索客户</translation>
    </message>
    <message>
        <source>Search results</source>
        <translation>搜索结果</translation>
    </message>
</context>
<context>
    <name>SnoozeDialog</name>
    <message>
        <source>Snooze follow-up</source>
        <translation>推迟跟进任务</translation>
    </message>
    <message>
        <source>Snooze until</source>
        <translation>推迟到</translation>
    </message>
</context>
<context>
    <name>SyncPage</name>
    <message>
        <source>Sync status</source>
        <translation>同步状态</translation>
    </message>
    <message>
        <source>Sync progress</source>
        <translation>同步进度</translation>
    </message>
    <message>
        <source>Conflicts</source>
        <translation>冲突</translation>
    </message>
    <message>
        <source>No conflicts: nothing was changed both here and centrally.</source>
        <translation>没有冲突：没有同一字段在本机和中心都被修改。</translation>
    </message>
    <message>
        <source>Keep mine</source>
        <translation>保留本机的值</translation>
    </message>
    <message>
        <source>Keep my value for the selected conflict</source>
        <translation>对所选冲突保留本机的值</translation>
    </message>
    <message>
        <source>Keep theirs</source>
        <translation>采用中心的值</translation>
    </message>
    <message>
        <source>Keep the central value for the selected conflict</source>
        <translation>对所选冲突采用中心的值</translation>
    </message>
    <message>
        <source>Returned work</source>
        <translation>退回的工作</translation>
    </message>
    <message>
        <source>No returned work: the central CRM took every change sent.</source>
        <translation>没有退回的工作：中心CRM已接受发送的所有更改。</translation>
    </message>
    <message>
        <source>Export text…</source>
        <translation>导出文本…</translation>
    </message>
    <message>
        <source>Export the returned work as text</source>
        <translation>将退回的工作导出为文本</translation>
    </message>
    <message>
        <source>Conflicts: the same field changed here and centrally</source>
        <translation>冲突：同一字段在本机和中心都被修改</translation>
    </message>
    <message>
        <source>Returned work: changes the central CRM could not take</source>
        <translation>退回的工作：中心CRM无法接受的更改</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>同步</translation>
    </message>
    <message numerus="yes">
        <source>%n change(s) waiting to be sent.</source>
        <translation><numerusform>%n 项更改待发送。</numerusform></translation>
    </message>
    <message>
        <source>Last successful sync: %1</source>
        <translation>上次成功同步：%1</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <source>The last attempt did not complete; nothing was lost.</source>
        <translation>上次同步未完成，没有丢失任何内容。</translation>
    </message>
    <message>
        <source>Export returned work</source>
        <translation>导出退回的工作</translation>
    </message>
    <message>
        <source>Text (*.txt)</source>
        <translation>文本文件 (*.txt)</translation>
    </message>
    <message>
        <source>The exported file is not encrypted and may contain customer details. Keep it only as long as needed. Export?</source>
        <translation>导出的文件未加密，可能包含客户信息，请仅在必要期间保留。确定导出吗？</translation>
    </message>
</context>
<context>
    <name>TaskDialog</name>
    <message>
        <source>Edit task</source>
        <translation>编辑任务</translation>
    </message>
    <message>
        <source>New task</source>
        <translation>新建任务</translation>
    </message>
    <message>
        <source>Task title</source>
        <translation>任务标题</translation>
    </message>
    <message>
        <source>Due date</source>
        <translation>截止日期</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>Hand over to the customer's relationship manager</source>
        <translation>转交给该客户的客户经理</translation>
    </message>
    <message>
        <source>Give this follow-up to the customer's relationship manager</source>
        <translation>将此跟进任务转交给该客户的客户经理</translation>
    </message>
    <message>
        <source>Problem with the form</source>
        <translation>表单问题</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>截止日期</translation>
    </message>
    <message>
        <source>Choose the customer first.</source>
        <translation>请先选择客户。</translation>
    </message>
    <message>
        <source>A task needs a title.</source>
        <translation>任务需要填写标题。</translation>
    </message>
</context>
<context>
    <name>TaskTableModel</name>
    <message>
        <source>Due</source>
        <translation>截止日期</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Follow-up</source>
        <translation>跟进事项</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Assignee</source>
        <translation>负责人</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
</context>
<context>
    <name>TasksPage</name>
    <message>
        <source>Which tasks to show</source>
        <translation>显示哪些任务</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今日</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>已逾期</translation>
    </message>
    <message>
        <source>Upcoming</source>
        <translation>即将到期</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Tasks</source>
        <translation>跟进任务</translation>
    </message>
    <message>
        <source>Number of tasks shown</source>
        <translation>显示的任务数</translation>
    </message>
    <message>
        <source>New task…</source>
        <translation>新建任务…</translation>
    </message>
    <message>
        <source>Create a task (Ctrl+T)</source>
        <translation>新建任务（Ctrl+T）</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <source>Edit the selected task (F2)</source>
        <translation>编辑所选任务（F2）</translation>
    </message>
    <message>
        <source>Complete…</source>
        <translation>完成…</translation>
    </message>
    <message>
        <source>Complete the selected task (Ctrl+D)</source>
        <translation>完成所选任务（Ctrl+D）</translation>
    </message>
    <message>
        <source>Open customer</source>
        <translation>打开客户</translation>
    </message>
    <message>
        <source>Open the customer of the selected task (Enter)</source>
        <translation>打开所选任务的客户（Enter）</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>Delete the selected task (Del)</source>
        <translation>删除所选任务（Del）</translation>
    </message>
    <message>
        <source>No tasks due today. Create one with New task… (Ctrl+T).</source>
        <translation>今日没有到期的跟进任务。可通过“新建任务…”（Ctrl+T）创建。</translation>
    </message>
    <message>
        <source>No overdue tasks.</source>
        <translation>没有逾期的跟进任务。</translation>
    </message>
    <message>
        <source>No upcoming tasks. Create one with New task… (Ctrl+T).</source>
        <translation>没有即将到期的跟进任务。可通过“新建任务…”（Ctrl+T）创建。</translation>
    </message>
    <message>
        <source>No completed tasks yet: complete one with Complete… (Ctrl+D).</source>
        <translation>尚无已完成的跟进任务：可通过“完成…”（Ctrl+D）完成任务。</translation>
    </message>
    <message>
        <source>Today (%1)</source>
        <translation>今日（%1）</translation>
    </message>
    <message>
        <source>Overdue (%1)</source>
        <translation>已逾期（%1）</translation>
    </message>
    <message>
        <source>Upcoming (%1)</source>
        <translation>即将到期（%1）</translation>
    </message>
    <message>
        <source>Done (%1)</source>
        <translation>已完成（%1）</translation>
    </message>
    <message>
        <source>Showing the first %1 of %2 tasks</source>
        <translation>显示前 %1 项，共 %2 项任务</translation>
    </message>
    <message numerus="yes">
        <source>%n task(s)</source>
        <translation><numerusform>%n 项任务</numerusform></translation>
    </message>
    <message>
        <source>Delete task</source>
        <translation>删除任务</translation>
    </message>
    <message>
        <source>Delete the task “%1”? This cannot be undone.</source>
        <translation>删除任务“%1”？此操作无法撤销。</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Keep</source>
        <translation>保留</translation>
    </message>
    <message>
        <source>Deleted: %1</source>
        <translation>已删除：%1</translation>
    </message>
    <message>
        <source>Saved: %1</source>
        <translation>已保存：%1</translation>
    </message>
</context>
<context>
    <name>TeamModel</name>
    <message>
        <source>RM</source>
        <translation>客户经理</translation>
    </message>
    <message>
        <source>Customers</source>
        <translation>客户数</translation>
    </message>
    <message>
        <source>Open follow-ups</source>
        <translation>未完成跟进</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>未完成跟进</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>已逾期</translation>
    </message>
    <message>
        <source>Due today</source>
        <translation>今日到期</translation>
    </message>
    <message>
        <source>Red</source>
        <translation>红色预警</translation>
    </message>
    <message>
        <source>Amber</source>
        <translation>黄色预警</translation>
    </message>
    <message>
        <source>AUM at risk</source>
        <translation>风险资产（AUM）</translation>
    </message>
    <message>
        <source>Visits (wk)</source>
        <translation>本周拜访</translation>
    </message>
    <message>
        <source>Visits this week</source>
        <translation>本周拜访次数</translation>
    </message>
    <message>
        <source>Calls (wk)</source>
        <translation>本周电话</translation>
    </message>
    <message>
        <source>Calls this week</source>
        <translation>本周电话次数</translation>
    </message>
    <message>
        <source>Visits (mo)</source>
        <translation>本月拜访</translation>
    </message>
    <message>
        <source>Visits this month</source>
        <translation>本月拜访次数</translation>
    </message>
    <message>
        <source>Calls (mo)</source>
        <translation>本月电话</translation>
    </message>
    <message>
        <source>Calls this month</source>
        <translation>本月电话次数</translation>
    </message>
    <message>
        <source>Synced</source>
        <translation>最近同步</translation>
    </message>
    <message>
        <source>When the RM's device last synced</source>
        <translation>客户经理的设备最近一次同步的时间</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>从未同步</translation>
    </message>
</context>
<context>
    <name>TeamPage</name>
    <message>
        <source>Team workload per relationship manager</source>
        <translation>各客户经理的团队工作量</translation>
    </message>
    <message>
        <source>Open and overdue follow-ups per RM</source>
        <translation>各客户经理未完成及逾期的跟进任务</translation>
    </message>
    <message>
        <source>Open and overdue follow-ups</source>
        <translation>未完成及逾期的跟进任务</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>未完成</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>已逾期</translation>
    </message>
    <message>
        <source>AUM at risk per RM</source>
        <translation>各客户经理的风险资产（AUM）</translation>
    </message>
    <message>
        <source>AUM at risk (¥10,000)</source>
        <translation>风险资产 AUM（万元）</translation>
    </message>
    <message>
        <source>The list behind the selected figure</source>
        <translation>所选数字对应的明细</translation>
    </message>
    <message>
        <source>Follow-ups behind the figure</source>
        <translation>该数字对应的跟进任务</translation>
    </message>
    <message>
        <source>Customers behind the figure</source>
        <translation>该数字对应的客户</translation>
    </message>
    <message>
        <source>Contacts behind the figure</source>
        <translation>该数字对应的联系记录</translation>
    </message>
    <message>
        <source>You have no team yet: no relationship manager's customers or follow-ups are in your copy. They appear here after a sync once RMs are assigned to your branch.</source>
        <translation>您还没有团队：本机数据中没有任何客户经理的客户或跟进任务。客户经理分配到您的网点后，同步一次即会显示在这里。</translation>
    </message>
    <message>
        <source>No team</source>
        <translation>没有团队</translation>
    </message>
    <message>
        <source>%1 · %2: %3</source>
        <translation>%1 · %2：%3</translation>
    </message>
    <message>
        <source>(the first %1 are listed)</source>
        <translation>（仅列出前 %1 条）</translation>
    </message>
    <message>
        <source>Reassign…</source>
        <translation>改派…</translation>
    </message>
    <message>
        <source>Reassign the selected follow-up (Ctrl+R)</source>
        <translation>改派所选跟进任务（Ctrl+R）</translation>
    </message>
    <message>
        <source>New follow-up…</source>
        <translation>新建跟进任务…</translation>
    </message>
    <message>
        <source>Give a new follow-up to the selected RM</source>
        <translation>给所选客户经理派发新的跟进任务</translation>
    </message>
    <message>
        <source>Team</source>
        <translation>团队</translation>
    </message>
    <message>
        <source>New follow-up for %1</source>
        <translation>为 %1 新建跟进任务</translation>
    </message>
</context>
<context>
    <name>TimelineModel</name>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>主题</translation>
    </message>
    <message>
        <source>By</source>
        <translation>记录人</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Amendment: %1</source>
        <translation>更正：%1</translation>
    </message>
    <message>
        <source>%1 (amended)</source>
        <translation>%1（已更正）</translation>
    </message>
</context>
<context>
    <name>TodayPage</name>
    <message>
        <source>Red flags not contacted for 30 days</source>
        <translation>30天未联系的红色预警客户</translation>
    </message>
    <message>
        <source>Unfinished notes</source>
        <translation>未完成的记录</translation>
    </message>
    <message>
        <source>At risk, not contacted for 30 days</source>
        <translation>高风险且30天未联系</translation>
    </message>
    <message>
        <source>Follow-ups to do</source>
        <translation>待办跟进任务</translation>
    </message>
    <message>
        <source>Open customer</source>
        <translation>打开客户</translation>
    </message>
    <message>
        <source>Open the customer</source>
        <translation>打开该客户</translation>
    </message>
    <message>
        <source>Complete…</source>
        <translation>完成…</translation>
    </message>
    <message>
        <source>Complete with an outcome</source>
        <translation>填写结果并完成</translation>
    </message>
    <message>
        <source>Follow-ups</source>
        <translation>跟进任务</translation>
    </message>
    <message>
        <source>Snooze</source>
        <translation>推迟</translation>
    </message>
    <message>
        <source>Snooze the follow-up</source>
        <translation>推迟该跟进任务</translation>
    </message>
    <message>
        <source>1 day</source>
        <translation>1天</translation>
    </message>
    <message>
        <source>3 days</source>
        <translation>3天</translation>
    </message>
    <message>
        <source>1 week</source>
        <translation>1周</translation>
    </message>
    <message>
        <source>Pick a date…</source>
        <translation>选择日期…</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今日</translation>
    </message>
    <message>
        <source>Today, %1</source>
        <translation>今日，%1</translation>
    </message>
    <message>
        <source>Showing the first %1 of %2 follow-ups.</source>
        <translation>显示前 %1 项，共 %2 项跟进任务。</translation>
    </message>
    <message>
        <source>No customer at risk has gone 30 days without contact.</source>
        <translation>没有超过30天未联系的高风险客户。</translation>
    </message>
    <message>
        <source>No unfinished notes: a note closed with Keep as draft waits here.</source>
        <translation>没有未完成的记录：选择“存为草稿”关闭的记录会保存在这里。</translation>
    </message>
    <message numerus="yes">
        <source>All (%n)</source>
        <translation><numerusform>全部（%n）</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Due today (%n)</source>
        <translation><numerusform>今日到期（%n）</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Upcoming, next %1 days (%n)</source>
        <translation><numerusform>未来%1天内到期（%n）</numerusform></translation>
    </message>
    <message>
        <source>Nothing due — you're up to date.</source>
        <translation>没有待办任务——您的工作已全部完成。</translation>
    </message>
    <message>
        <source>Nothing overdue — well done.</source>
        <translation>没有逾期任务——做得好。</translation>
    </message>
    <message>
        <source>Nothing due today.</source>
        <translation>今天没有到期的任务。</translation>
    </message>
    <message>
        <source>Nothing due in the next %1 days.</source>
        <translation>未来%1天内没有到期的任务。</translation>
    </message>
    <message>
        <source>Completed: %1</source>
        <translation>已完成：%1</translation>
    </message>
    <message>
        <source>Snoozed to %1: %2</source>
        <translation>已推迟到%1：%2</translation>
    </message>
    <message numerus="yes">
        <source>Overdue (%n)</source>
        <translation><numerusform>已逾期（%n）</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>At risk, not contacted for 30 days (%n)</source>
        <translation><numerusform>高风险且30天未联系（%n）</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Unfinished notes (%n)</source>
        <translation><numerusform>未完成的记录（%n）</numerusform></translation>
    </message>
</context>
<context>
    <name>TodayQueueModel</name>
    <message>
        <source>New</source>
        <translation>新</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>截止日期</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>事由</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>已逾期</translation>
    </message>
    <message>
        <source>Due today</source>
        <translation>今日到期</translation>
    </message>
    <message>
        <source>Upcoming</source>
        <translation>即将到期</translation>
    </message>
</context>
<context>
    <name>WatchlistModel</name>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>CIF</source>
        <translation>客户号</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>级别</translation>
    </message>
    <message>
        <source>Leave probability</source>
        <translation>流失概率</translation>
    </message>
    <message>
        <source>AUM</source>
        <translation>资产规模</translation>
    </message>
    <message>
        <source>AUM at risk</source>
        <translation>风险资产</translation>
    </message>
    <message>
        <source>Trend</source>
        <translation>趋势</translation>
    </message>
    <message>
        <source>Main reason</source>
        <translation>主要原因</translation>
    </message>
    <message>
        <source>Flag</source>
        <translation>处理</translation>
    </message>
    <message>
        <source>Acknowledged</source>
        <translation>已确认</translation>
    </message>
    <message>
        <source>Dismissed</source>
        <translation>已忽略</translation>
    </message>
</context>
<context>
    <name>WatchlistPage</name>
    <message>
        <source>Churn level shown</source>
        <translation>显示的流失预警级别</translation>
    </message>
    <message>
        <source>Red and amber</source>
        <translation>红色和黄色</translation>
    </message>
    <message>
        <source>Sort the watchlist by</source>
        <translation>预警名单排序方式</translation>
    </message>
    <message>
        <source>Leave probability</source>
        <translation>流失概率</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>级别</translation>
    </message>
    <message>
        <source>AUM at risk</source>
        <translation>风险资产</translation>
    </message>
    <message>
        <source>Rising fastest</source>
        <translation>上升最快</translation>
    </message>
    <message>
        <source>Number of flagged customers</source>
        <translation>预警客户数</translation>
    </message>
    <message>
        <source>Create task for main reason</source>
        <translation>为主要原因创建任务</translation>
    </message>
    <message>
        <source>Create a follow-up task from the main reason's suggested action</source>
        <translation>按主要原因的建议行动创建跟进任务</translation>
    </message>
    <message>
        <source>Acknowledge</source>
        <translation>确认</translation>
    </message>
    <message>
        <source>Acknowledge the selected flag</source>
        <translation>确认所选预警</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>忽略</translation>
    </message>
    <message>
        <source>Dismiss the selected flag</source>
        <translation>忽略所选预警</translation>
    </message>
    <message>
        <source>Open customer</source>
        <translation>打开客户</translation>
    </message>
    <message>
        <source>Open the selected customer</source>
        <translation>打开所选客户</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <source>Sort by</source>
        <translation>排序</translation>
    </message>
    <message>
        <source>Customers at risk of leaving</source>
        <translation>有流失风险的客户</translation>
    </message>
    <message>
        <source>Churn watchlist</source>
        <translation>流失预警名单</translation>
    </message>
    <message>
        <source>No customer is flagged at this level. The watchlist fills in as the churn model scores the book after each sync.</source>
        <translation>此级别下没有预警客户。每次同步后流失模型为客户评分，预警名单随之更新。</translation>
    </message>
    <message numerus="yes">
        <source>Top %1 of %n flagged customer(s)</source>
        <translation><numerusform>共 %n 位预警客户中的前 %1 位</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n flagged customer(s)</source>
        <translation><numerusform>%n 位预警客户</numerusform></translation>
    </message>
    <message>
        <source>Follow-up task created for %1</source>
        <translation>已为 %1 创建跟进任务</translation>
    </message>
</context>
<context>
    <name>Words</name>
    <message>
        <source>Mass</source>
        <translation>大众客户</translation>
    </message>
    <message>
        <source>Affluent</source>
        <translation>贵宾客户</translation>
    </message>
    <message>
        <source>Private banking</source>
        <translation>私人银行客户</translation>
    </message>
    <message>
        <source>New</source>
        <translation>新客户</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>活跃</translation>
    </message>
    <message>
        <source>Dormant</source>
        <translation>休眠</translation>
    </message>
    <message>
        <source>Under ¥50k</source>
        <translation>5万元以下</translation>
    </message>
    <message>
        <source>¥50k–500k</source>
        <translation>5万–50万元</translation>
    </message>
    <message>
        <source>¥500k–6M</source>
        <translation>50万–600万元</translation>
    </message>
    <message>
        <source>¥6M–30M</source>
        <translation>600万–3000万元</translation>
    </message>
    <message>
        <source>¥30M and above</source>
        <translation>3000万元及以上</translation>
    </message>
    <message>
        <source>Red</source>
        <translation>红色</translation>
    </message>
    <message>
        <source>Amber</source>
        <translation>黄色</translation>
    </message>
    <message>
        <source>Green</source>
        <translation>绿色</translation>
    </message>
    <message>
        <source>Leave probability %1</source>
        <translation>流失概率 %1</translation>
    </message>
    <message>
        <source>Visit</source>
        <translation>拜访</translation>
    </message>
    <message>
        <source>Call</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>消息</translation>
    </message>
    <message>
        <source>Service contact</source>
        <translation>服务联系</translation>
    </message>
    <message>
        <source>Complaint</source>
        <translation>投诉</translation>
    </message>
    <message>
        <source>Demand deposit</source>
        <translation>活期存款</translation>
    </message>
    <message>
        <source>Term deposit</source>
        <translation>定期存款</translation>
    </message>
    <message>
        <source>Wealth management</source>
        <translation>理财产品</translation>
    </message>
    <message>
        <source>Fund</source>
        <translation>基金</translation>
    </message>
    <message>
        <source>Loan</source>
        <translation>贷款</translation>
    </message>
    <message>
        <source>Credit card</source>
        <translation>信用卡</translation>
    </message>
    <message>
        <source>Insurance</source>
        <translation>保险</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>待办</translation>
    </message>
    <message>
        <source>In progress</source>
        <translation>进行中</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Low</source>
        <translation>低</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>普通</translation>
    </message>
    <message>
        <source>High</source>
        <translation>高</translation>
    </message>
    <message>
        <source>Urgent</source>
        <translation>紧急</translation>
    </message>
    <message>
        <source>Manual</source>
        <translation>手动创建</translation>
    </message>
    <message>
        <source>Churn action</source>
        <translation>流失挽留行动</translation>
    </message>
    <message>
        <source>From manager</source>
        <translation>主管分派</translation>
    </message>
    <message>
        <source>Next step of a note</source>
        <translation>联系记录的下一步</translation>
    </message>
    <message>
        <source>Handed over by branch staff</source>
        <translation>网点员工转交</translation>
    </message>
    <message>
        <source>Relationship manager</source>
        <translation>客户经理</translation>
    </message>
    <message>
        <source>Branch staff</source>
        <translation>网点员工</translation>
    </message>
    <message>
        <source>Manager</source>
        <translation>主管</translation>
    </message>
    <message>
        <source>Administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <source>Mobile</source>
        <translation>手机号码</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>电子邮箱</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>ID type</source>
        <translation>证件类型</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>证件号码</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>Address of record</source>
        <translation>登记地址</translation>
    </message>
    <message>
        <source>KYC expiry</source>
        <translation>客户身份识别到期日</translation>
    </message>
    <message>
        <source>Risk profile</source>
        <translation>风险评级</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Due date</source>
        <translation>截止日期</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <source>Assignee</source>
        <translation>负责人</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>主题</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>记录内容</translation>
    </message>
    <message>
        <source>Participants</source>
        <translation>参与人</translation>
    </message>
    <message>
        <source>Next step</source>
        <translation>下一步</translation>
    </message>
    <message>
        <source>Kind of contact</source>
        <translation>联系类型</translation>
    </message>
    <message>
        <source>Date and time</source>
        <translation>日期和时间</translation>
    </message>
    <message>
        <source>Customer details</source>
        <translation>客户资料</translation>
    </message>
    <message>
        <source>Contact note</source>
        <translation>联系记录</translation>
    </message>
    <message>
        <source>Task</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>Answer to a churn flag</source>
        <translation>流失预警处理</translation>
    </message>
    <message>
        <source>just now</source>
        <translation>刚刚</translation>
    </message>
    <message numerus="yes">
        <source>%n minute(s) ago</source>
        <translation><numerusform>%n 分钟前</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n hour(s) ago</source>
        <translation><numerusform>%n 小时前</numerusform></translation>
    </message>
    <message>
        <source>yesterday %1</source>
        <translation>昨天 %1</translation>
    </message>
    <message numerus="yes">
        <source>%n second(s)</source>
        <translation><numerusform>%n 秒</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n minute(s)</source>
        <translation><numerusform>%n 分钟</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n hour(s)</source>
        <translation><numerusform>%n 小时</numerusform></translation>
    </message>
    <message>
        <source>%1 %2</source>
        <translation>%1 %2</translation>
    </message>
    <message>
        <source>AUM down %1% over 3 months (%2 → %3)</source>
        <translation>近3个月AUM下降%1%（%2 → %3）</translation>
    </message>
    <message>
        <source>AUM down %1% over 3 months</source>
        <translation>近3个月AUM下降%1%</translation>
    </message>
    <message>
        <source>AUM up %1% over 3 months</source>
        <translation>近3个月AUM上升%1%</translation>
    </message>
    <message>
        <source>AUM changed over the last 3 months</source>
        <translation>近3个月AUM发生变化</translation>
    </message>
    <message>
        <source>Deposits down %1% over 3 months</source>
        <translation>近3个月存款下降%1%</translation>
    </message>
    <message>
        <source>Deposits up %1% over 3 months</source>
        <translation>近3个月存款上升%1%</translation>
    </message>
    <message>
        <source>Deposits changed over the last 3 months</source>
        <translation>近3个月存款发生变化</translation>
    </message>
    <message>
        <source>Transactions down %1% over 3 months</source>
        <translation>近3个月交易笔数下降%1%</translation>
    </message>
    <message>
        <source>Transactions up %1% over 3 months</source>
        <translation>近3个月交易笔数上升%1%</translation>
    </message>
    <message>
        <source>Transaction count changed over 3 months</source>
        <translation>近3个月交易笔数发生变化</translation>
    </message>
    <message>
        <source>Transaction amounts up %1% over 3 months</source>
        <translation>近3个月交易金额上升%1%</translation>
    </message>
    <message>
        <source>Transaction amounts changed over 3 months</source>
        <translation>近3个月交易金额发生变化</translation>
    </message>
    <message>
        <source>Transaction amounts down %1% over 3 months</source>
        <translation>近3个月交易金额下降%1%</translation>
    </message>
    <message>
        <source>Products held fell from %1 to %2 in 6 months</source>
        <translation>近6个月持有产品数由%1个减少到%2个</translation>
    </message>
    <message>
        <source>Holds fewer products than 6 months ago</source>
        <translation>持有产品数少于6个月前</translation>
    </message>
    <message numerus="yes">
        <source>No transactions for %n month(s)</source>
        <translation><numerusform>连续%n个月无交易</numerusform></translation>
    </message>
    <message>
        <source>No recent transactions</source>
        <translation>近期无交易</translation>
    </message>
    <message numerus="yes">
        <source>Salary credit stopped (last paid %n month(s) ago)</source>
        <translation><numerusform>代发工资已停发（最近一次在%n个月前）</numerusform></translation>
    </message>
    <message>
        <source>Salary credit stopped</source>
        <translation>代发工资已停发</translation>
    </message>
    <message>
        <source>%1 moved to other banks in 3 months (%2% of AUM)</source>
        <translation>近3个月%1转往他行（占AUM的%2%）</translation>
    </message>
    <message>
        <source>Money moving to other banks</source>
        <translation>资金流向他行</translation>
    </message>
    <message numerus="yes">
        <source>Term deposit %1 matures in %n day(s)</source>
        <translation><numerusform>定期存款%1将于%n天后到期</numerusform></translation>
    </message>
    <message>
        <source>A term deposit matures soon</source>
        <translation>定期存款即将到期</translation>
    </message>
    <message numerus="yes">
        <source>%n maturity(ies) not renewed in 90 days (%1)</source>
        <translation><numerusform>近90天有%n笔到期未续作（%1）</numerusform></translation>
    </message>
    <message>
        <source>Maturities not renewed</source>
        <translation>到期未续作</translation>
    </message>
    <message numerus="yes">
        <source>%n complaint(s) in 90 days</source>
        <translation><numerusform>近90天投诉%n次</numerusform></translation>
    </message>
    <message>
        <source>Declining</source>
        <translation>衰退期</translation>
    </message>
    <message>
        <source>Lapsed</source>
        <translation>流失期</translation>
    </message>
    <message>
        <source>Recent complaints</source>
        <translation>近期有投诉</translation>
    </message>
    <message numerus="yes">
        <source>No RM contact for %n day(s)</source>
        <translation><numerusform>客户经理已%n天未联系</numerusform></translation>
    </message>
    <message>
        <source>No recent RM contact</source>
        <translation>客户经理近期未联系</translation>
    </message>
    <message numerus="yes">
        <source>Customer for only %n month(s)</source>
        <translation><numerusform>成为客户仅%n个月</numerusform></translation>
    </message>
    <message>
        <source>New relationship</source>
        <translation>新建立的客户关系</translation>
    </message>
    <message>
        <source>Term deposit %1 matures today</source>
        <translation>定期存款%1今天到期</translation>
    </message>
    <message>
        <source>Renewal call with a rate offer</source>
        <translation>致电续存并提供利率优惠</translation>
    </message>
    <message>
        <source>Call about reinvesting matured funds</source>
        <translation>致电沟通到期资金再投资</translation>
    </message>
    <message>
        <source>Wealth review visit</source>
        <translation>上门做资产配置检视</translation>
    </message>
    <message>
        <source>Service recovery within 48 hours</source>
        <translation>48小时内完成服务补救</translation>
    </message>
    <message>
        <source>Check the payroll relationship</source>
        <translation>核实代发工资关系</translation>
    </message>
    <message>
        <source>Reactivation offer</source>
        <translation>睡眠客户激活优惠</translation>
    </message>
    <message>
        <source>Check-in call about account use</source>
        <translation>致电了解账户使用情况</translation>
    </message>
    <message>
        <source>Needs review and product offer</source>
        <translation>需求检视及产品推荐</translation>
    </message>
    <message>
        <source>Relationship call</source>
        <translation>客户关系维护电话</translation>
    </message>
    <message>
        <source>Welcome follow-up for a new customer</source>
        <translation>新客户欢迎跟进</translation>
    </message>
    <message>
        <source>Retention follow-up</source>
        <translation>客户挽留跟进</translation>
    </message>
</context>
<context>
    <name>_SavingDialog</name>
    <message>
        <source>Problem with the form</source>
        <translation>表单问题</translation>
    </message>
</context>
</TS>