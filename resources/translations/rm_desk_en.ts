<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en">
    <context>
        <name>AssignmentNotifier</name>
        <message numerus="yes">
            <source>RM Desk: %n new follow-up(s) assigned to you</source>
            <translation>
                <numerusform>RM Desk: %n new follow-up assigned to you</numerusform>
                <numerusform>RM Desk: %n new follow-ups assigned to you</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>…and %n more</source>
            <translation>
                <numerusform>…and %n more</numerusform>
                <numerusform>…and %n more</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>BookPage</name>
        <message numerus="yes">
            <source>%n customer(s)</source>
            <translation>
                <numerusform>%n customer</numerusform>
                <numerusform>%n customers</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>Brief</name>
        <message numerus="yes">
            <source>… and %n more</source>
            <translation>
                <numerusform>… and %n more</numerusform>
                <numerusform>… and %n more</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Holdings (%n product(s), assets %1)</source>
            <translation>
                <numerusform>Holdings (%n product, assets %1)</numerusform>
                <numerusform>Holdings (%n products, assets %1)</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>AUM, last %n month(s) (¥10,000)</source>
            <translation>
                <numerusform>AUM, last %n month (¥10,000)</numerusform>
                <numerusform>AUM, last %n months (¥10,000)</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Recent contacts (%n in all)</source>
            <translation>
                <numerusform>Recent contacts (%n in all)</numerusform>
                <numerusform>Recent contacts (%n in all)</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>ContactHistory</name>
        <message numerus="yes">
            <source>%n contact(s) shown</source>
            <translation>
                <numerusform>%n contact shown</numerusform>
                <numerusform>%n contacts shown</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>CustomerPage</name>
        <message numerus="yes">
            <source>%n product(s), assets %1</source>
            <translation>
                <numerusform>%n product, assets %1</numerusform>
                <numerusform>%n products, assets %1</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>HoldingsModel</name>
        <message numerus="yes">
            <source>Matures in %n day(s)</source>
            <translation>
                <numerusform>Matures in %n day</numerusform>
                <numerusform>Matures in %n days</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>LoginWindow</name>
        <message numerus="yes">
            <source>Wait %n second(s) before trying again.</source>
            <translation>
                <numerusform>Wait %n second before trying again.</numerusform>
                <numerusform>Wait %n seconds before trying again.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n unsynced change(s)</source>
            <translation>
                <numerusform>%n unsynced change</numerusform>
                <numerusform>%n unsynced changes</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n draft(s)</source>
            <translation>
                <numerusform>%n draft</numerusform>
                <numerusform>%n drafts</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n change(s) wait for the next sync.</source>
            <translation>
                <numerusform>%n change waits for the next sync.</numerusform>
                <numerusform>%n changes wait for the next sync.</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>MainWindow</name>
        <message numerus="yes">
            <source>%n change(s) pending</source>
            <translation>
                <numerusform>%n change pending</numerusform>
                <numerusform>%n changes pending</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n conflict(s)</source>
            <translation>
                <numerusform>%n conflict</numerusform>
                <numerusform>%n conflicts</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>ReminderNotifier</name>
        <message numerus="yes">
            <source>RM Desk: %n follow-up(s) due today or overdue this week</source>
            <translation>
                <numerusform>RM Desk: %n follow-up due today or overdue this week</numerusform>
                <numerusform>RM Desk: %n follow-ups due today or overdue this week</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>…and %n more</source>
            <translation>
                <numerusform>…and %n more</numerusform>
                <numerusform>…and %n more</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>SyncPage</name>
        <message numerus="yes">
            <source>%n change(s) waiting to be sent.</source>
            <translation>
                <numerusform>%n change waiting to be sent.</numerusform>
                <numerusform>%n changes waiting to be sent.</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>TasksPage</name>
        <message numerus="yes">
            <source>%n task(s)</source>
            <translation>
                <numerusform>%n task</numerusform>
                <numerusform>%n tasks</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>TodayPage</name>
        <message numerus="yes">
            <source>At risk, not contacted for 30 days (%n)</source>
            <translation>
                <numerusform>At risk, not contacted for 30 days (%n)</numerusform>
                <numerusform>At risk, not contacted for 30 days (%n)</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Unfinished notes (%n)</source>
            <translation>
                <numerusform>Unfinished notes (%n)</numerusform>
                <numerusform>Unfinished notes (%n)</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>All (%n)</source>
            <translation>
                <numerusform>All (%n)</numerusform>
                <numerusform>All (%n)</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Overdue (%n)</source>
            <translation>
                <numerusform>Overdue (%n)</numerusform>
                <numerusform>Overdue (%n)</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Due today (%n)</source>
            <translation>
                <numerusform>Due today (%n)</numerusform>
                <numerusform>Due today (%n)</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Upcoming, next %1 days (%n)</source>
            <translation>
                <numerusform>Upcoming, next %1 days (%n)</numerusform>
                <numerusform>Upcoming, next %1 days (%n)</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>WatchlistPage</name>
        <message numerus="yes">
            <source>Top %1 of %n flagged customer(s)</source>
            <translation>
                <numerusform>Top %1 of %n flagged customer</numerusform>
                <numerusform>Top %1 of %n flagged customers</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n flagged customer(s)</source>
            <translation>
                <numerusform>%n flagged customer</numerusform>
                <numerusform>%n flagged customers</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>Words</name>
        <message numerus="yes">
            <source>%n minute(s) ago</source>
            <translation>
                <numerusform>%n minute ago</numerusform>
                <numerusform>%n minutes ago</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n hour(s) ago</source>
            <translation>
                <numerusform>%n hour ago</numerusform>
                <numerusform>%n hours ago</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n second(s)</source>
            <translation>
                <numerusform>%n second</numerusform>
                <numerusform>%n seconds</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n minute(s)</source>
            <translation>
                <numerusform>%n minute</numerusform>
                <numerusform>%n minutes</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n hour(s)</source>
            <translation>
                <numerusform>%n hour</numerusform>
                <numerusform>%n hours</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>No transactions for %n month(s)</source>
            <translation>
                <numerusform>No transactions for %n month</numerusform>
                <numerusform>No transactions for %n months</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Salary credit stopped (last paid %n month(s) ago)</source>
            <translation>
                <numerusform>Salary credit stopped (last paid %n month ago)</numerusform>
                <numerusform>Salary credit stopped (last paid %n months ago)</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n complaint(s) in 90 days</source>
            <translation>
                <numerusform>%n complaint in 90 days</numerusform>
                <numerusform>%n complaints in 90 days</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>No RM contact for %n day(s)</source>
            <translation>
                <numerusform>No RM contact for %n day</numerusform>
                <numerusform>No RM contact for %n days</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Customer for only %n month(s)</source>
            <translation>
                <numerusform>Customer for only %n month</numerusform>
                <numerusform>Customer for only %n months</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Term deposit %1 matures in %n day(s)</source>
            <translation>
                <numerusform>Term deposit %1 matures in %n day</numerusform>
                <numerusform>Term deposit %1 matures in %n days</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n maturity(ies) not renewed in 90 days (%1)</source>
            <translation>
                <numerusform>%n maturity not renewed in 90 days (%1)</numerusform>
                <numerusform>%n maturities not renewed in 90 days (%1)</numerusform>
            </translation>
        </message>
    </context>
</TS>